import { z } from 'zod';
import { AddonError } from '../../errors';
import type { NoticeCard, NoticeColor } from '../../invites/chat';
import type { IntakeBody } from '../body';
import { fitMessage, linkUrl, plainText, type AlertDraft } from '../draft';
import { FieldReader } from '../paths';

/**
 * The body HipChat's `POST room/{id}/notification` takes (docs/hipchat-connect.md §5), so that Sumo
 * Logic's HipChat connection (seed 000) and Splunk On-Call's outgoing webhooks (seed 001) post to the
 * add-on unchanged but for the URL: message (1–10000), message_format (html by default), color (yellow
 * by default, or random), notify, from, card; as JSON, a form, or a text/plain or text/html message.
 */
const COLORS = ['yellow', 'green', 'red', 'purple', 'gray'] as const;
const LOZENGES = ['success', 'error', 'current', 'moved', 'new', 'complete'] as const;
/**
 * "A label to be shown in addition to the sender's name. Valid length range: 0 - 64.": HipChat's API reference
 * as copied into viascom/hipchat-api models/Notification.java (an older copy says 0–25).
 */
const MAX_FROM = 64;

const text = (label: string) => z.string({ error: `${label} must be a string` });

const card = z.object(
  {
    style: z.enum(['file', 'image', 'application', 'link', 'media'], { error: 'card.style must be one of: file, image, application, link, media' }),
    id: text('card.id').max(255, 'card.id is at most 255 characters').optional(),
    title: text('card.title').max(500, 'card.title is at most 500 characters').optional(),
    url: text('card.url').max(2000, 'card.url is at most 2000 characters').optional(),
    description: z
      .union([text('card.description').max(1000), z.object({ value: text('card.description.value').max(1000), format: z.enum(['html', 'text']) })], {
        error: 'card.description must be a string or {value, format} of at most 1000 characters',
      })
      .optional(),
    attributes: z
      .array(z.object({ label: text('card.attributes label').max(100).optional(), value: z.object({ label: text('card.attributes value.label').max(200), style: z.string().optional() }) }), {
        error: 'card.attributes must be a list of {label, value: {label, style}}',
      })
      .max(20, 'card.attributes has at most 20 entries')
      .optional(),
  },
  { error: 'card must be an object' },
);

const notification = z.object(
  {
    message: z
      .string({ error: (issue) => (issue.input === undefined ? 'message is required' : 'message must be a string') })
      .min(1, 'message must be between 1 and 10000 characters')
      .max(10_000, 'message must be between 1 and 10000 characters'),
    message_format: z.enum(['html', 'text'], { error: 'message_format must be one of: html, text' }).default('html'),
    color: z.enum([...COLORS, 'random'], { error: 'color must be one of: yellow, green, red, purple, gray, random' }).default('yellow'),
    notify: z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')], { error: 'notify must be true or false' }).default(false),
    from: text('from').max(MAX_FROM, `from is at most ${MAX_FROM} characters`).default(''),
    card: card.optional(),
  },
  { error: 'The body must be a HipChat notification: a JSON object with a message' },
);

export function hipchatDrafts(body: IntakeBody): AlertDraft[] {
  const input = body.type === 'text' ? { message: body.value, message_format: body.format } : body.value;
  const parsed = notification.safeParse(input);
  if (!parsed.success) throw new AddonError(400, 'invalid_notification', `Not a HipChat notification: ${parsed.error.issues.map((issue) => issue.message).join('; ')}.`);
  const n = parsed.data;
  const color: NoticeColor = n.color === 'random' ? COLORS[Math.floor(Math.random() * COLORS.length)]! : n.color;
  const summary = n.message_format === 'html' ? plainText(n.message) : n.message;
  return [
    {
      fields: new FieldReader(input),
      notice: {
        text: fitMessage(n.message, n.message_format),
        format: n.message_format,
        color,
        notify: n.notify,
        ...(n.from ? { from: n.from } : {}),
        ...(n.card ? { card: noticeCard(n.card, summary) } : {}),
      },
      summary,
      payload: input,
    },
  ];
}

function noticeCard(c: z.infer<typeof card>, summary: string): NoticeCard {
  const description = typeof c.description === 'string' ? { value: c.description, format: 'text' as const } : c.description;
  const url = c.url === undefined ? undefined : linkUrl(c.url);
  return {
    id: '',
    title: c.title || summary.slice(0, 500),
    description: description?.value ?? '',
    ...(description?.format === 'html' ? { descriptionFormat: 'html' as const } : {}),
    ...(url ? { url } : {}),
    attributes: (c.attributes ?? []).map((a) => {
      const style = LOZENGES.find((s) => a.value.style === `lozenge-${s}`);
      return { label: a.label ?? '', value: a.value.label, ...(style ? { style } : {}) };
    }),
  };
}
