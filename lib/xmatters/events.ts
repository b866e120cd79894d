import { z } from 'zod';
import { type RestContext, getJson, postJson } from './rest';
import { pageSchema } from './schemas';

// Events made by triggers (E1, E2, E27): a trigger's 202 only says "accepted", so the add-on looks the
// event up by the trigger's requestId (or by its invite_id property, when the trigger's answer was
// lost), and adds comments to it. Shapes: the xmapi Event object (test/fixtures/xmatters/event.json).

const eventSchema = z.object({
  id: z.string(),
  /** The numeric id callbacks carry as `eventIdentifier`, as text. */
  eventId: z.union([z.string(), z.number()]).transform(Number),
  status: z.string(),
  requestId: z.string().optional(),
});

export interface XMattersEvent {
  /** The event's UUID, which the REST API is best asked with (E27). */
  id: string;
  eventIdentifier: number;
  /** Upper case: ACTIVE, SUSPENDED, TERMINATED, … (E15). */
  status: string;
}

export type EventQuery = { requestId: string } | { property: { name: string; value: string } };

/** The events of a trigger, newest first; empty while xMatters has not made it (yet). */
export async function findEvents(ctx: RestContext, query: EventQuery): Promise<XMattersEvent[]> {
  const params: Record<string, string | number> =
    'requestId' in query ? { requestId: query.requestId, limit: 10 } : { propertyName: query.property.name, propertyValue: query.property.value, limit: 10 };
  const page = await getJson(ctx, `${ctx.baseUrl}/events`, params, pageSchema(eventSchema));
  return page.data.filter((e) => Number.isSafeInteger(e.eventId)).map((e) => ({ id: e.id, eventIdentifier: e.eventId, status: e.status.toUpperCase() }));
}

const annotationSchema = z.object({ id: z.string() });

/** Adds a comment to an event (`POST /events/{id}/annotations`, E27); resolves with the comment's id. */
export async function addComment(ctx: RestContext, eventId: string, comment: string): Promise<string> {
  const created = await postJson(ctx, `${ctx.baseUrl}/events/${encodeURIComponent(eventId)}/annotations`, { comment }, annotationSchema);
  return created.id;
}

// "Get user delivery data" (GET /events/{eventID}/user-deliveries, xmapi #get-user-delivery-data; E17):
// per person notified, their notifications and every response on each. Read loosely: only the fields
// the add-on uses, each optional where the reference may leave it out.
const userDeliverySchema = z.object({
  person: z.object({ targetName: z.string() }),
  notifications: z
    .object({
      data: z.array(
        z.object({
          recipient: z.object({ name: z.string().nullish() }).nullish(),
          responses: z.object({ data: z.array(z.object({ text: z.string().nullish(), comment: z.string().nullish(), response: z.object({ text: z.string().nullish() }).nullish() })) }).nullish(),
        }),
      ),
    })
    .nullish(),
});

export interface UserResponse {
  targetName: string;
  response: string;
  comment: string | null;
  device: string | null;
}

/** Every response given on an event, oldest first per person, read page by page (bounded). */
export async function listResponses(ctx: RestContext, eventId: string): Promise<UserResponse[]> {
  const out: UserResponse[] = [];
  const limit = 100;
  for (let offset = 0, pages = 0; pages < 20; offset += limit, pages++) {
    const page = await getJson(ctx, `${ctx.baseUrl}/events/${encodeURIComponent(eventId)}/user-deliveries`, { embed: 'responses', offset, limit, at: new Date().toISOString() }, pageSchema(userDeliverySchema));
    for (const item of page.data) {
      for (const n of item.notifications?.data ?? []) {
        for (const r of n.responses?.data ?? []) {
          const text = r.text ?? r.response?.text;
          if (text) out.push({ targetName: item.person.targetName, response: text, comment: r.comment?.trim() ? r.comment.trim() : null, device: n.recipient?.name ?? null });
        }
      }
    }
    if (!page.links?.next || page.data.length < limit) break;
  }
  return out;
}
