import { Router } from 'express';
import type { Directory } from './directory';
import { annotationJson, eventJson } from './event-json';
import { RespondError, type EventStore, type SimEvent } from './events';
import { sendError } from './http-errors';
import type { PlanStore } from './plan-store';
import { list, viewerOf } from './rest-helpers';
import { QueryError, paginate, single } from './search';

// Events under `/api/xm/1/events` (E27, xmatters-mcp operations.json "Get events", "Get an event",
// "Change the status of an event", "Add a comment to an event", "Get event annotations"):
// - GET /events filters by `requestId`, by a property (`propertyName` + `propertyValue`, with
//   `propertyValueOperator` EQUALS, the default, or CONTAINS: the parameters are those demisto's
//   xMatters integration sends; how they match is inferred), `status`, `form` and `plan`; newest first.
// - GET /events/{id} takes the UUID or the numeric event id.

const BASE = '/api/xm/1';
const STATUSES = new Set(['ACTIVE', 'TERMINATED']);

export function eventsRouter(directory: Directory, plans: PlanStore, events: EventStore, maxLimit: number): Router {
  const router = Router();
  const json = (event: SimEvent) => eventJson(event, plans, directory);

  router.get('/', (req, res) => {
    list(res, () => {
      const requestId = single(req.query, 'requestId');
      const propertyName = single(req.query, 'propertyName');
      const propertyValue = single(req.query, 'propertyValue');
      const operator = (single(req.query, 'propertyValueOperator') ?? 'EQUALS').toUpperCase();
      const statuses = single(req.query, 'status')?.toUpperCase().split(',').map((s) => s.trim());
      if ((propertyName === undefined) !== (propertyValue === undefined)) throw new QueryError('propertyName and propertyValue go together.');
      if (operator !== 'EQUALS' && operator !== 'CONTAINS') throw new QueryError('propertyValueOperator must be EQUALS or CONTAINS.');
      const unknownStatus = statuses?.find((s) => !STATUSES.has(s));
      if (unknownStatus) throw new QueryError(`status must be ACTIVE or TERMINATED, not "${unknownStatus}".`);
      const form = single(req.query, 'form');
      const plan = single(req.query, 'plan');
      const matches = (event: SimEvent) => {
        if (requestId !== undefined && event.requestId !== requestId) return false;
        if (statuses && !statuses.includes(event.status)) return false;
        if (form !== undefined && event.formId !== form) return false;
        if (plan !== undefined && event.planId !== plan) return false;
        if (propertyName !== undefined && propertyValue !== undefined) {
          const entry = Object.entries(event.properties).find(([name]) => name.toLowerCase() === propertyName.toLowerCase());
          if (!entry) return false;
          return operator === 'EQUALS' ? entry[1] === propertyValue : entry[1].toLowerCase().includes(propertyValue.toLowerCase());
        }
        return true;
      };
      return paginate([...events.events].reverse().filter(matches), req.query, `${BASE}/events`, maxLimit, json);
    });
  });

  router.post('/', (req, res) => {
    const body = (req.body ?? {}) as { id?: unknown; status?: unknown };
    const event = typeof body.id === 'string' ? events.find(body.id) : undefined;
    if (!event) return sendError(res, 404, `There is no event ${String(body.id)}.`);
    if (body.status !== 'TERMINATED') return sendError(res, 400, 'The simulator changes an event\'s status only to TERMINATED.');
    events.terminate(event, `terminated by ${viewerOf(res).targetName} through the REST API`);
    res.json(json(event));
  });

  router.get('/:id', (req, res) => {
    const event = events.find(req.params.id);
    if (!event) return sendError(res, 404, `There is no event "${req.params.id}".`);
    res.json(json(event));
  });

  router.get('/:id/annotations', (req, res) => {
    const event = events.find(req.params.id);
    if (!event) return sendError(res, 404, `There is no event "${req.params.id}".`);
    list(res, () => paginate(event.comments, req.query, `${BASE}/events/${event.id}/annotations`, maxLimit, (c) => annotationJson(event, c, directory)));
  });

  // "Get user delivery data" (xmapi #get-user-delivery-data; params embed, sortBy, sortOrder,
  // deliveryStatus, offset, limit, at — xmatters-mcp's tool description says `at` is required there;
  // the simulator takes it and ignores it). One item per person notified, with the notification and
  // every response given on it (E17: the reference's example has one notification with two responses).
  // The item's fields are the simulator's reading of that reference (person.targetName, notification
  // recipient device name, responses' text/comment/received): the operation's schema could not be read
  // here, so they are not checked against it.
  router.get('/:id/user-deliveries', (req, res) => {
    const event = events.find(req.params.id);
    if (!event) return sendError(res, 404, `There is no event "${req.params.id}".`);
    list(res, () =>
      paginate(event.notifications, req.query, `${BASE}/events/${event.id}/user-deliveries`, maxLimit, (n) => ({
        event: { id: event.id, eventId: String(event.eventIdentifier) },
        person: { targetName: n.targetName, recipientType: 'PERSON' },
        deliveryStatus: n.responses.length > 0 ? 'RESPONDED' : n.deliveryStatus === 'Delivered' ? 'DELIVERED' : 'FAILED',
        notifications: {
          count: 1,
          total: 1,
          data: [
            {
              deliveryStatus: n.deliveryStatus === 'Delivered' ? 'DELIVERED' : 'FAILED',
              created: n.notifiedAt,
              recipient: { targetName: n.device ? `${n.targetName}|${n.device}` : n.targetName, name: n.device, recipientType: 'DEVICE' },
              responses: {
                count: n.responses.length,
                total: n.responses.length,
                data: n.responses.map((r) => ({ received: r.at, text: r.response, comment: r.comment, response: { text: r.response } })),
              },
            },
          ],
        },
      })),
    );
  });

  router.post('/:id/annotations', (req, res) => {
    const event = events.find(req.params.id);
    if (!event) return sendError(res, 404, `There is no event "${req.params.id}".`);
    const comment = (req.body as { comment?: unknown } | undefined)?.comment;
    if (typeof comment !== 'string') return sendError(res, 400, 'The body needs a "comment" (text).');
    try {
      res.status(201).json(annotationJson(event, events.comment(event.id, viewerOf(res), comment), directory));
    } catch (error) {
      if (!(error instanceof RespondError)) throw error;
      sendError(res, error.status, error.message);
    }
  });

  return router;
}
