import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Events } from './events';
import { addNotification, hipchatDate, type Room, type RoomNotification, type Sender } from './state';
import type { Views } from './views';

const COLORS = ['yellow', 'green', 'red', 'purple', 'gray', 'random'] as const;
const CARD_STYLES = ['file', 'image', 'application', 'link', 'media'] as const;

/** The send-notification body (docs §5); form bodies carry `notify` as a string. */
const notificationSchema = z.object({
  message: z
    .string({ error: (issue) => (issue.input === undefined ? 'message is required' : 'message must be a string') })
    .min(1, { error: 'message must be between 1 and 10000 characters' })
    .max(10000, { error: 'message must be between 1 and 10000 characters' }),
  message_format: z.enum(['html', 'text'], { error: 'message_format must be one of: html, text' }).default('html'),
  color: z.enum(COLORS, { error: `color must be one of: ${COLORS.join(', ')}` }).default('yellow'),
  notify: z
    .union([z.boolean(), z.enum(['true', 'false']).transform((value) => value === 'true')], {
      error: 'notify must be a boolean',
    })
    .default(false),
  // "A label to be shown in addition to the sender's name. Valid length range: 0 - 64." — the API reference
  // as copied into viascom/hipchat-api `models/Notification.java` and netdata's `alarm-notify.sh` (an older copy, in
  // jmccann/drone-hipchat `DOCS.md`, says 0 - 25).
  from: z.string({ error: 'from must be a string' }).max(64, { error: 'from must be at most 64 characters' }).default(''),
  card: z
    .looseObject({
      style: z.enum(CARD_STYLES, { error: `card.style must be one of: ${CARD_STYLES.join(', ')}` }).optional(),
    }, { error: 'card must be an object' })
    .optional(),
});

export type NotificationInput = z.output<typeof notificationSchema>;

export type ParsedNotification = { ok: true; value: NotificationInput } | { ok: false; message: string };

export function parseNotification(body: unknown): ParsedNotification {
  const parsed = notificationSchema.safeParse(body ?? {});
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, message: parsed.error.issues.map((issue) => issue.message).join('; ') };
}

/** Puts an accepted notification into the room and announces it to room_notification webhooks. */
export class Notifier {
  constructor(
    private readonly views: Views,
    private readonly events: Events,
  ) {}

  post(room: Room, sender: Sender, input: NotificationInput): RoomNotification {
    const notification: RoomNotification = {
      id: randomUUID(),
      from: input.from,
      sender,
      color: input.color,
      message_format: input.message_format,
      message: input.message,
      notify: input.notify,
      date: hipchatDate(),
    };
    if (input.card) notification.card = input.card;
    addNotification(room, notification);
    // room_notification items carry `from` as a plain label (docs §7).
    this.events.deliverInBackground(room.id, 'room_notification', {
      message: {
        id: notification.id,
        date: notification.date,
        from: notification.from,
        color: notification.color,
        message_format: notification.message_format,
        message: notification.message,
        mentions: [],
        type: 'notification',
        ...(notification.card ? { card: notification.card } : {}),
      },
      room: this.views.roomRef(room),
    });
    return notification;
  }
}
