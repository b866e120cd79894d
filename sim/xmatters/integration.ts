import { randomUUID } from 'node:crypto';
import express, { Router, type Request } from 'express';
import { authenticateBasic } from './auth';
import type { Directory } from './directory';
import { sendError } from './http-errors';
import type { PlanStore } from './plan-store';
import { takeTriggerSlot } from './rate-limit';
import type { TriggerProcessor } from './trigger-processing';

// `POST /api/integration/1/functions/{id}/triggers[?apiKey=]`: an authenticated request always gets
// 202 `{requestId}` (E1, E2); what becomes of it is in the integration's Activity Stream and in
// `GET /api/xm/1/events?requestId=`. Bad credentials keep their 401 and a user without the REST
// role its 403 (inferred: xMatters' SDKs and the KB treat both as answers of this endpoint, E10,
// E26). Over the plan's per-minute limit: 429 with Retry-After, not queued (E3).

export interface SimTrigger {
  functionId: string;
  requestId: string | null;
  auth: 'basic' | 'apiKey';
  /** Whose permissions the request had: the Basic user, or the integration's authenticating user. */
  user: string | null;
  status: number;
  /** The body as JSON when it parses, else the text. */
  body: unknown;
  receivedAt: string;
}

export interface IntegrationOptions {
  triggersPerMinute: number;
  minuteMs: number;
}

export function integrationRouter(directory: Directory, plans: PlanStore, processor: TriggerProcessor, triggers: SimTrigger[], opts: IntegrationOptions): Router {
  const router = Router();
  router.post('/functions/:id/triggers', express.text({ type: () => true, limit: '256kb' }), (req, res) => {
    const text = typeof req.body === 'string' ? req.body : '';
    const record = (status: number, requestId: string | null, auth: SimTrigger['auth'], user: string | null) =>
      triggers.push({ functionId: req.params.id, requestId, auth, user, status, body: parsedOrText(text), receivedAt: new Date().toISOString() });

    const found = plans.inbound(req.params.id);
    if (!found) return sendError(res, 404, `No inbound integration has the id ${req.params.id}.`);
    const { plan, integration, form } = found;
    const apiKey = typeof req.query.apiKey === 'string' ? req.query.apiKey : undefined;
    const auth = apiKey === undefined ? ('basic' as const) : ('apiKey' as const);

    let user: string;
    if (apiKey !== undefined) {
      if (integration.authType === 'BASIC' || apiKey !== integration.apiKey) {
        record(401, null, auth, null);
        return sendError(res, 401, integration.authType === 'BASIC' ? 'This integration uses Basic authentication.' : 'The API key is not valid for this integration.');
      }
      user = integration.authenticatingUser;
    } else {
      if (integration.authType === 'URL') {
        record(401, null, auth, null);
        return sendError(res, 401, 'This integration uses URL authentication: use its URL with the apiKey.');
      }
      const basic = authenticateBasic(directory, req.headers.authorization);
      if (!basic.ok) {
        record(basic.status, null, auth, null);
        if (basic.status === 401) res.setHeader('WWW-Authenticate', 'Basic realm="xMatters"');
        return sendError(res, basic.status, basic.message);
      }
      user = basic.person.targetName;
    }

    const slot = takeTriggerSlot(plan, opts.triggersPerMinute, opts.minuteMs);
    if (!slot.ok) {
      record(429, null, auth, user);
      integration.activity.add({ title: `Refused: over the plan's limit of ${opts.triggersPerMinute} requests a minute`, outcome: 'error', response: { status: 429, body: '' } });
      res.setHeader('Retry-After', String(slot.retryAfterSeconds));
      return sendError(res, 429, `Too many requests: this plan accepts ${opts.triggersPerMinute} a minute. The request was not queued.`);
    }

    const requestId = randomUUID();
    record(202, requestId, auth, user);
    const reply = JSON.stringify({ requestId });
    const entry = integration.activity.add({
      title: 'Request received, processing',
      outcome: 'info',
      requestId,
      request: { method: 'POST', url: req.originalUrl.replace(/([?&]apiKey=)[^&]*/, '$1••••••'), headers: headersOf(req), body: text },
      response: { status: 202, body: reply },
      log: [`Authenticated as ${user} (${auth === 'apiKey' ? 'URL authentication' : 'Basic authentication'}).`],
    });
    processor.accept({
      plan,
      form,
      integration,
      submitter: user,
      request: { body: text, headers: headersOf(req), parameters: queryOf(req), method: 'POST', requestId },
      entry,
    });
    res.status(202).type('application/json').send(reply);
  });
  router.use((_req, res) => sendError(res, 404, 'The requested resource does not exist.'));
  return router;
}

function parsedOrText(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function headersOf(req: Request): Record<string, string> {
  return Object.fromEntries(Object.entries(req.headers).flatMap(([name, value]) => (typeof value === 'string' ? [[name, value]] : [])));
}

function queryOf(req: Request): Record<string, string> {
  return Object.fromEntries(Object.entries(req.query).flatMap(([name, value]) => (typeof value === 'string' && name !== 'apiKey' ? [[name, value]] : [])));
}
