import { escapeHtml, SafeHtml } from './html';

/** Allowed tags, each with its allowed attributes. */
export type Policy = Readonly<Record<string, readonly string[]>>;

/** What `message_format: html` may use (docs §5: a, b, i, strong, em, br, img, pre, code, lists, tables). */
export const MESSAGE_POLICY: Policy = {
  a: ['href', 'title'],
  b: [],
  i: [],
  strong: [],
  em: [],
  br: [],
  img: ['src', 'alt', 'title', 'width', 'height'],
  pre: [],
  code: [],
  ul: [],
  ol: [],
  li: [],
  table: [],
  thead: [],
  tbody: [],
  tfoot: [],
  tr: [],
  th: ['colspan', 'rowspan'],
  td: ['colspan', 'rowspan'],
};

/** HTML inside a card is limited to a, b, i, strong and span (docs §5). */
export const CARD_POLICY: Policy = { a: ['href', 'title'], b: [], i: [], strong: [], span: [] };

const VOID_TAGS = new Set(['br', 'img']);
/** Tags whose content is dropped with them, not shown as text. */
const HIDDEN_CONTENT = new Set(['script', 'style', 'iframe', 'object', 'embed', 'template', 'textarea', 'title', 'noscript', 'xmp', 'noembed', 'noframes', 'svg', 'math']);

const TAG = /<(\/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^\s"'>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?)*)\s*\/?>/y;
const ATTRIBUTE = /([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;
const ENTITY = /^&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z][a-zA-Z0-9]{1,31});/;
const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };
const MAX_INPUT = 20_000;
/** A tag longer than this is shown as text (keeps a failed match from rescanning the whole input). */
const MAX_TAG = 2_000;

/**
 * Keeps only the policy's tags and attributes, rebuilt from scratch; everything else becomes text or
 * disappears. Links and images must be http(s) (links also mailto); open tags are closed at the end,
 * so the result cannot leak into the page around it.
 */
export function sanitizeHtml(input: string, policy: Policy): SafeHtml {
  const source = input.slice(0, MAX_INPUT);
  const lower = source.toLowerCase();
  const open: string[] = [];
  let out = '';
  let i = 0;
  while (i < source.length) {
    const lt = source.indexOf('<', i);
    if (lt < 0) {
      out += escapeText(source.slice(i));
      break;
    }
    out += escapeText(source.slice(i, lt));
    i = lt;
    if (source.startsWith('<!--', i)) {
      const end = source.indexOf('-->', i + 4);
      i = end < 0 ? source.length : end + 3;
      continue;
    }
    if (source.startsWith('<!', i) || source.startsWith('<?', i)) {
      const end = source.indexOf('>', i);
      i = end < 0 ? source.length : end + 1;
      continue;
    }
    TAG.lastIndex = 0;
    const match = TAG.exec(source.slice(i, i + MAX_TAG));
    if (!match) {
      out += '&lt;';
      i += 1;
      continue;
    }
    i += TAG.lastIndex;
    const closing = match[1] === '/';
    const name = (match[2] ?? '').toLowerCase();
    if (!closing && HIDDEN_CONTENT.has(name)) {
      const end = lower.indexOf(`</${name}`, i);
      const close = end < 0 ? -1 : source.indexOf('>', end);
      i = close < 0 ? source.length : close + 1;
      continue;
    }
    const allowed = policy[name];
    if (!allowed) continue;
    if (closing) {
      const at = open.lastIndexOf(name);
      if (at < 0) continue;
      while (open.length > at) out += `</${open.pop()}>`;
      continue;
    }
    out += `<${name}${attributes(name, match[3] ?? '', allowed)}>`;
    if (!VOID_TAGS.has(name)) open.push(name);
  }
  while (open.length > 0) out += `</${open.pop()}>`;
  return new SafeHtml(out);
}

function attributes(tag: string, source: string, allowed: readonly string[]): string {
  let out = '';
  for (const match of source.matchAll(ATTRIBUTE)) {
    const name = (match[1] ?? '').toLowerCase();
    if (!allowed.includes(name) || out.includes(` ${name}=`)) continue;
    const value = decodeEntities(match[2] ?? match[3] ?? match[4] ?? '');
    const safe = attributeValue(tag, name, value);
    if (safe !== undefined) out += ` ${name}="${escapeHtml(safe)}"`;
  }
  if (tag === 'a') out += ' target="_blank" rel="noopener noreferrer nofollow"';
  return out;
}

function attributeValue(tag: string, name: string, value: string): string | undefined {
  if (name === 'href') return safeUrl(value, ['http:', 'https:', 'mailto:']);
  if (name === 'src') return safeUrl(value, ['http:', 'https:']);
  if (name === 'width' || name === 'height') return /^\d{1,4}%?$/.test(value) ? value : undefined;
  if (name === 'colspan' || name === 'rowspan') return /^\d{1,3}$/.test(value) ? value : undefined;
  return tag === 'img' || name === 'title' ? value.slice(0, 500) : undefined;
}

/** An absolute URL with one of the given schemes, else undefined. */
export function safeUrl(value: string, schemes: readonly string[] = ['http:', 'https:']): string | undefined {
  const trimmed = value.replace(/[\u0000-\u0020\u007f-\u009f]/g, '');
  try {
    const url = new URL(trimmed);
    return schemes.includes(url.protocol) ? url.href : undefined;
  } catch {
    return undefined;
  }
}

/** Text as it was, with markup characters escaped and entity references kept. */
function escapeText(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i] ?? '';
    if (char === '&') {
      const entity = ENTITY.exec(text.slice(i, i + 40));
      out += entity ? entity[0] : '&amp;';
      if (entity) i += entity[0].length - 1;
    } else {
      out += char === '<' || char === '>' || char === '"' ? escapeHtml(char) : char;
    }
  }
  return out;
}

function decodeEntities(value: string): string {
  return value.replace(/&(#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z]{2,8});/g, (whole, ref: string) => {
    if (ref.startsWith('#')) {
      const code = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : '';
    }
    return NAMED[ref.toLowerCase()] ?? whole;
  });
}
