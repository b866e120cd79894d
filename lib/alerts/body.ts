import { AddonError } from '../errors';

/**
 * An intake body as sent: JSON, a form (Splunk On-Call's escalation webhooks, docs/alerts.md §2.3), or
 * plain text / HTML (HipChat's notification endpoint takes them as the message, docs/hipchat-connect.md
 * §5). Which of them a source takes is its kind's business.
 */
export type IntakeBody =
  | { type: 'json'; value: unknown }
  | { type: 'form'; value: Record<string, string> }
  | { type: 'text'; value: string; format: 'text' | 'html' };

/** The intake's body limit: Sumo Logic's ResultsJson alone carries up to 200 results (docs/alerts.md §1.1). */
export const MAX_ALERT_BODY = 256 * 1024;

/**
 * Reads the bytes by their Content-Type. Without one, or with a type that is neither a form nor text,
 * the body is read as JSON: Sumo Logic does not say what it sends (docs/alerts.md, open question 2).
 */
export function readBody(raw: Buffer, contentType: string | undefined): IntakeBody {
  const [mediaType = '', ...params] = (contentType ?? '').split(';').map((part) => part.trim().toLowerCase());
  const charset = params.find((param) => param.startsWith('charset='))?.slice('charset='.length).replace(/"/g, '');
  if (charset && !['utf-8', 'utf8', 'us-ascii'].includes(charset)) {
    throw new AddonError(415, 'unsupported_charset', `The body is in ${charset.slice(0, 40)}; send alerts as UTF-8.`);
  }
  if (mediaType.startsWith('multipart/')) throw new AddonError(415, 'unsupported_media_type', 'Multipart bodies are not read; send the alert as JSON (Content-Type: application/json).');
  const text = raw.toString('utf8').replace(/^\uFEFF/, '');
  if (text.trim() === '') throw new AddonError(400, 'empty_body', 'The request has no body: send the alert as JSON.');
  if (mediaType === 'application/x-www-form-urlencoded') {
    // fromEntries defines own properties, so a field named __proto__ is a field like any other.
    return { type: 'form', value: Object.fromEntries(new URLSearchParams(text)) };
  }
  if (mediaType === 'text/plain' || mediaType === 'text/html') return { type: 'text', value: text, format: mediaType === 'text/html' ? 'html' : 'text' };
  return { type: 'json', value: parseJson(text) };
}

/** The body as JSON: a text body is read as JSON too, as some tools label JSON text/plain. */
export function jsonOf(body: IntakeBody): unknown {
  if (body.type === 'json') return body.value;
  if (body.type === 'text') return parseJson(body.value);
  return body.value;
}

/** How deep objects and lists may nest; the vendors' payloads nest six levels at most. */
const MAX_DEPTH = 64;

function parseJson(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new AddonError(400, 'invalid_json', `The body is not valid JSON (${(err as Error).message.slice(0, 200)}). Send the alert as a JSON object.`);
  }
  if (depthOver(value, MAX_DEPTH)) throw new AddonError(400, 'too_deep', `The body nests objects or lists more than ${MAX_DEPTH} levels deep.`);
  return value;
}

/** Whether a parsed value nests deeper than `max`, walked without recursion (a deep body would exhaust the stack). */
function depthOver(value: unknown, max: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    if (depth >= max) return true;
    for (const child of Object.values(node)) if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
  }
  return false;
}
