import type { RoomNotice } from '../invites/chat';
import type { FieldReader } from './paths';

/** What a kind makes of one alert in a body, before routing and dedupe. */
export interface AlertDraft {
  /** What rules, the alert key and invite descriptions read. */
  fields: FieldReader;
  /** The room notice, without the marks of repeats and test events; its card's id is set once the alert has one. */
  notice: RoomNotice;
  /** The message as plain text, for invite descriptions and the default alert key. */
  summary: string;
  /** The body as it came, stored with the alert. */
  payload: unknown;
}

/** HipChat's longest message (docs/hipchat-connect.md §5). */
export const MAX_MESSAGE = 10_000;

/** Cuts text to HipChat's length (or `max`), without leaving half an HTML tag or entity at the end. */
export function fitMessage(text: string, format: 'text' | 'html', max = MAX_MESSAGE): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max - 1);
  return `${format === 'html' ? cut.replace(/<[^>]*$|&[^;\s]*$/, '') : cut}…`;
}

/** Markup out, for a plain-text summary of an HTML message. */
export function plainText(html: string): string {
  return html
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}

/** An http(s) URL a card may link to, or undefined. */
export function linkUrl(value: string): string | undefined {
  const text = value.trim();
  if (text.length > 2000 || !/^https?:\/\//i.test(text)) return undefined;
  try {
    return new URL(text).href;
  } catch {
    return undefined;
  }
}
