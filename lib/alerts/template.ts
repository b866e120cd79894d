import { parsePath, type FieldPath, type FieldReader } from './paths';

/**
 * Message templates with `{{field.path}}` variables, as Sumo Logic writes them (docs/alerts.md §1.2):
 * names ignore case and an unresolved variable becomes empty. Values are escaped for the message format:
 * HTML-escaped in html, as they are in text. The template's own text is the admin's and is kept as typed.
 */
export type MessageFormat = 'text' | 'html';

export interface Template {
  readonly source: string;
  readonly parts: ReadonlyArray<string | FieldPath>;
}

const MAX_TEMPLATE_LENGTH = 2000;
const MAX_VARIABLES = 50;

/** A template that cannot be read; `at` is the 1-based character where the problem starts. */
export class TemplateError extends Error {
  override readonly name = 'TemplateError';
  constructor(
    message: string,
    readonly at: number,
  ) {
    super(message);
  }
}

export function compileTemplate(source: string): Template {
  if (source.length > MAX_TEMPLATE_LENGTH) throw new TemplateError(`is longer than ${MAX_TEMPLATE_LENGTH} characters`, MAX_TEMPLATE_LENGTH + 1);
  const parts: Array<string | FieldPath> = [];
  let variables = 0;
  let at = 0;
  while (at < source.length) {
    const open = source.indexOf('{{', at);
    const literal = source.slice(at, open < 0 ? source.length : open);
    const stray = literal.indexOf('}}');
    if (stray >= 0) throw new TemplateError(`has "}}" at character ${at + stray + 1} without a "{{" before it`, at + stray + 1);
    if (literal) parts.push(literal);
    if (open < 0) break;
    const close = source.indexOf('}}', open + 2);
    if (close < 0) throw new TemplateError(`has "{{" at character ${open + 1} without a closing "}}"`, open + 1);
    const inner = source.slice(open + 2, close);
    if (inner.includes('{{')) throw new TemplateError(`has "{{" at character ${open + 1} without a closing "}}"`, open + 1);
    const path = parsePath(inner);
    if (typeof path === 'string') throw new TemplateError(`{{${inner.trim()}}} at character ${open + 1} is not a field name: it ${path}`, open + 1);
    if (++variables > MAX_VARIABLES) throw new TemplateError(`has more than ${MAX_VARIABLES} variables`, open + 1);
    parts.push(path);
    at = close + 2;
  }
  return { source, parts };
}

export function renderTemplate(template: Template, fields: FieldReader, format: MessageFormat): string {
  let out = '';
  for (const part of template.parts) {
    if (typeof part === 'string') out += part;
    else out += format === 'html' ? escapeHtml(fields.text(part)) : fields.text(part);
  }
  return out;
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}
