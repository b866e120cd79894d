import type { Color } from '../state';
import { html, type SafeHtml } from './html';
import { CARD_POLICY, MESSAGE_POLICY, safeUrl, sanitizeHtml } from './sanitize';

const TEXT_TOKENS = /(\bhttps?:\/\/[^\s<>"'`]+)|(@\w+)/g;
const RANDOM_COLORS: readonly Exclude<Color, 'random'>[] = ['yellow', 'green', 'red', 'purple', 'gray'];
const LOZENGES = new Set(['lozenge', 'lozenge-success', 'lozenge-error', 'lozenge-current', 'lozenge-complete', 'lozenge-moved', 'lozenge-new']);

export interface Mentions {
  /** Mention names of the group's users. */
  known: ReadonlySet<string>;
  /** The viewer's own mention name, highlighted more strongly. */
  mine: string;
}

/** `text` format: escaped, links made clickable, @mentions of real users (and @all, @here) highlighted. */
export function formatText(text: string, mentions: Mentions): SafeHtml {
  const parts: (SafeHtml | string)[] = [];
  let last = 0;
  for (const match of text.matchAll(TEXT_TOKENS)) {
    const index = match.index ?? 0;
    parts.push(text.slice(last, index));
    last = index + match[0].length;
    if (match[1]) {
      const link = match[1].replace(/[.,;:!?)\]]+$/, '');
      last -= match[1].length - link.length;
      const href = safeUrl(link);
      parts.push(href ? html`<a href="${href}" target="_blank" rel="noopener noreferrer nofollow">${link}</a>` : link);
    } else {
      const name = match[0].slice(1);
      const special = name === 'all' || name === 'here';
      if (!special && !mentions.known.has(name)) {
        parts.push(match[0]);
        continue;
      }
      const own = special || name === mentions.mine ? ' mention-me' : '';
      parts.push(html`<span class="mention${own}">${match[0]}</span>`);
    }
  }
  parts.push(text.slice(last));
  return html`${parts}`;
}

/** A notification body: its card when it has one, else the message in its format. */
export function notificationBody(
  notification: { message: string; message_format: 'html' | 'text'; card?: Record<string, unknown> },
  mentions: Mentions,
): SafeHtml {
  if (notification.card) {
    const card = renderCard(notification.card);
    if (card) return card;
  }
  return notification.message_format === 'html'
    ? html`<div class="rich">${sanitizeHtml(notification.message, MESSAGE_POLICY)}</div>`
    : html`<div class="plain">${formatText(notification.message, mentions)}</div>`;
}

/** The colour bar of a notification; `random` picks one of the others, stable per notification. */
export function colorOf(color: Color, id: string): Exclude<Color, 'random'> {
  if (color !== 'random') return color;
  let hash = 0;
  for (const char of id) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return RANDOM_COLORS[hash % RANDOM_COLORS.length] ?? 'yellow';
}

/** A card (docs §5): icon, title (linked to `url`), description, thumbnail, attributes as lozenges, activity. */
function renderCard(card: Record<string, unknown>): SafeHtml | undefined {
  const title = text(card.title);
  if (!title) return undefined;
  const url = safeUrl(text(card.url));
  const icon = imageUrl(card.icon);
  const thumbnail = imageUrl(card.thumbnail);
  const style = ['file', 'image', 'application', 'link', 'media'].includes(text(card.style)) ? text(card.style) : 'application';
  const attributes = Array.isArray(card.attributes) ? card.attributes.slice(0, 20).flatMap(attribute) : [];
  const activity = record(card.activity);
  return html`<div class="card card-${style}">
    <div class="card-head">${icon ? html`<img class="card-icon" src="${icon}" alt="">` : ''}${
      url ? html`<a class="card-title" href="${url}" target="_blank" rel="noopener noreferrer">${title}</a>` : html`<span class="card-title">${title}</span>`
    }</div>
    ${description(card.description)}
    ${thumbnail ? html`<img class="card-thumbnail" src="${thumbnail}" alt="">` : ''}
    ${attributes.length > 0 ? html`<ul class="card-attributes">${attributes}</ul>` : ''}
    ${activity && text(activity.html) ? html`<div class="card-activity">${sanitizeHtml(text(activity.html), CARD_POLICY)}</div>` : ''}
  </div>`;
}

function description(value: unknown): SafeHtml | string {
  if (typeof value === 'string') return value ? html`<div class="card-description">${value}</div>` : '';
  const described = record(value);
  if (!described || !text(described.value)) return '';
  const body = described.format === 'html' ? sanitizeHtml(text(described.value), CARD_POLICY) : text(described.value);
  return html`<div class="card-description">${body}</div>`;
}

function attribute(value: unknown): SafeHtml[] {
  const attr = record(value);
  const content = record(attr?.value);
  if (!attr || !content || !text(content.label)) return [];
  const style = LOZENGES.has(text(content.style)) ? text(content.style) : '';
  const icon = imageUrl(content.icon);
  const label = html`${icon ? html`<img class="attribute-icon" src="${icon}" alt="">` : ''}${text(content.label)}`;
  const url = safeUrl(text(content.url));
  const shown = html`<span class="${style ? `lozenge ${style}` : 'attribute-text'}">${label}</span>`;
  return [
    html`<li>${text(attr.label) ? html`<span class="attribute-label">${text(attr.label)}</span>` : ''}${
      url ? html`<a href="${url}" target="_blank" rel="noopener noreferrer">${shown}</a>` : shown
    }</li>`,
  ];
}

function imageUrl(value: unknown): string | undefined {
  if (typeof value === 'string') return safeUrl(value);
  const image = record(value);
  return image ? safeUrl(text(image.url)) : undefined;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function text(value: unknown): string {
  return typeof value === 'string' ? value.slice(0, 2000) : '';
}
