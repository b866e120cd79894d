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
