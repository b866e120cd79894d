import { randomUUID } from 'node:crypto';
import express, { Router } from 'express';
import { authenticateBasic } from './auth';
import type { Directory } from './directory';
import type { EventStore } from './events';
import { sendError } from './http-errors';
import { validateTriggerBody } from './trigger-body';

/** An inbound integration ("Invite to room"): its function id and its URL-authentication key. */
export interface SimFunction {
  id: string;
  apiKey: string;
}

export interface SimTrigger {
  functionId: string;
  requestId: string | null;
  auth: 'basic' | 'apiKey';
  /** The targetName of the user who sent it with Basic auth. */
  user: string | null;
  status: number;
  body: unknown;
  receivedAt: string;
}

/** `POST /api/integration/1/functions/{id}/triggers[?apiKey=]` (docs §2): 202 `{requestId}` or a JSON error. */
export function integrationRouter(directory: Directory, events: EventStore, fn: SimFunction, triggers: SimTrigger[]): Router {
  const router = Router();
  router.post('/functions/:id/triggers', express.json({ limit: '256kb', strict: false }), (req, res) => {
    const record = (status: number, requestId: string | null, auth: SimTrigger['auth'], user: string | null) =>
      triggers.push({ functionId: req.params.id, requestId, auth, user, status, body: req.body, receivedAt: new Date().toISOString() });

    if (req.params.id !== fn.id) {
      sendError(res, 404, `No inbound integration has the id ${req.params.id}.`);
      return;
    }
    const apiKey = typeof req.query.apiKey === 'string' ? req.query.apiKey : undefined;
    let user: string | null = null;
    if (apiKey !== undefined) {
      if (apiKey !== fn.apiKey) {
        record(401, null, 'apiKey', null);
        sendError(res, 401, 'The API key is not valid for this integration.');
        return;
      }
    } else {
      const auth = authenticateBasic(directory, req.headers.authorization);
      if (!auth.ok) {
        record(auth.status, null, 'basic', null);
        if (auth.status === 401) res.setHeader('WWW-Authenticate', 'Basic realm="xMatters"');
        sendError(res, auth.status, auth.status === 403 ? 'The user is not a sender on the form.' : auth.message);
        return;
      }
      user = auth.person.targetName;
    }
    const auth = apiKey === undefined ? 'basic' : 'apiKey';
    const validation = validateTriggerBody(req.body);
    if (!validation.ok) {
      record(400, null, auth, user);
      res.status(400).json({ message: 'There are data validation errors in the form.', errorDetails: validation.errorDetails });
      return;
    }
    const requestId = randomUUID();
    record(202, requestId, auth, user);
    events.create(validation.body, requestId);
    res.status(202).json({ requestId });
  });
  router.use((_req, res) => sendError(res, 404, 'The requested resource does not exist.'));
  return router;
}
