import { z } from 'zod';
import type { ChatPerson, RoomEvent } from '../invites/chat';

/**
 * HipChat's room webhooks on the wire (docs/hipchat-connect.md §7), read into chat-neutral room events
 * for the handlers in lib/invites. Only what the add-on uses is read; unknown fields pass.
 */

const id = z.union([z.number().int().positive(), z.string().regex(/^\d{1,15}$/).transform(Number)]);
const userId = z.union([z.number().int(), z.string().max(100)]).transform(String);
const person = z.object({ id: userId, name: z.string().max(255), mention_name: z.string().max(255).optional() });
const room = z.object({ id, name: z.string().max(255).optional() });

/** `{event, item, oauth_client_id, webhook_id}`. */
const envelope = z.object({
  event: z.string().max(100),
  oauth_client_id: z.string().max(100).optional(),
  webhook_id: z.union([z.number(), z.string().max(100)]).optional(),
  item: z.object({ room }).passthrough(),
});
/** A uuid in HipChat's webhooks (docs §7); it becomes a dedupe key, so anything but visible ASCII is refused. */
const messageId = z.string().min(1).max(100).regex(/^[\x21-\x7E]+$/, 'must be a message id: letters, digits and punctuation, no spaces or control characters');
const messageItem = z.object({ room, message: z.object({ id: messageId, message: z.string().max(10_000), from: person }) });
const senderItem = z.object({ room, sender: person });
const optionalSenderItem = z.object({ room, sender: person.optional() });

export interface ParsedWebhook {
  event: string;
  oauthClientId: string | undefined;
  roomId: number;
  roomName: string | null;
  /** The user the body says acted: the message's author, or the sender. */
  actorId: string | undefined;
  roomEvent: RoomEvent;
}

export class WebhookPayloadError extends Error {
  override readonly name = 'WebhookPayloadError';
}

const toPerson = (p: z.infer<typeof person>): ChatPerson => ({ id: p.id, name: p.name, mentionName: p.mention_name ?? '' });

/** Reads a webhook body posted for `event`; throws WebhookPayloadError with a sentence when it is not one. */
export function parseWebhook(event: string, body: unknown): ParsedWebhook {
  const parsed = envelope.safeParse(body);
  if (!parsed.success) throw new WebhookPayloadError(`Not a HipChat webhook: ${issues(parsed.error)}`);
  if (parsed.data.event !== event) throw new WebhookPayloadError(`The envelope's event ${parsed.data.event} does not match the URL`);
  const { item } = parsed.data;
  const base = { event, oauthClientId: parsed.data.oauth_client_id, roomId: item.room.id, roomName: item.room.name ?? null };
  const read = <T extends z.ZodType>(schema: T): z.infer<T> => {
    const r = schema.safeParse(item);
    if (!r.success) throw new WebhookPayloadError(`The ${event} item is not valid: ${issues(r.error)}`);
    return r.data;
  };
  switch (event) {
    case 'room_message': {
      const { message } = read(messageItem);
      return { ...base, actorId: message.from.id, roomEvent: { kind: 'message', messageId: message.id, text: message.message, from: toPerson(message.from) } };
    }
    case 'room_enter':
    case 'room_exit': {
      const { sender } = read(senderItem);
      return { ...base, actorId: sender.id, roomEvent: { kind: event === 'room_enter' ? 'enter' : 'exit', user: toPerson(sender) } };
    }
    case 'room_archived':
    case 'room_unarchived':
    case 'room_deleted': {
      const { sender } = read(optionalSenderItem);
      const kind = event === 'room_archived' ? 'archived' : event === 'room_unarchived' ? 'unarchived' : 'deleted';
      return { ...base, actorId: sender?.id, roomEvent: { kind, by: sender ? toPerson(sender) : undefined } };
    }
    default:
      return { ...base, actorId: undefined, roomEvent: { kind: 'other', event } };
  }
}

function issues(error: z.ZodError): string {
  return error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
}
