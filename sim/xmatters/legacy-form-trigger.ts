import express, { Router, type Response } from 'express';
import { authenticateBasic } from './auth';
import type { Directory } from './directory';
import { NoRecipients, type EventStore } from './events';
import type { PlanStore } from './plan-store';
import { takeTriggerSlot } from './rate-limit';
import { validateTrigger } from './trigger-validation';

// The retired form API, kept for old plans: `POST /reapi/2015-04-01/forms/{formId}/triggers` with
// Basic authentication, validated synchronously; the reply carries the new event's `id`, errors are
// `{message, details}`, and `callbacks` in the body are honoured (hubot-xmatters, E6; DEPR).

export function legacyFormRouter(directory: Directory, plans: PlanStore, events: EventStore, opts: { triggersPerMinute: number; minuteMs: number }): Router {
  const router = Router();
  router.post('/forms/:formId/triggers', express.json({ limit: '256kb', strict: false }), (req, res) => {
    const basic = authenticateBasic(directory, req.headers.authorization);
    if (!basic.ok) {
      if (basic.status === 401) res.setHeader('WWW-Authenticate', 'Basic realm="xMatters"');
      return refuse(res, basic.status, basic.message);
    }
    const found = plans.form(req.params.formId);
    if (!found) return refuse(res, 404, `There is no form ${req.params.formId}.`);
    const { plan, form } = found;
    const user = basic.person.targetName;
    if (!plan.access.has(user) || !form.senders.has(user)) return refuse(res, 403, `${user} may not send the form "${form.name}".`, 'Ask an admin for sender permission.');

    const validation = validateTrigger(req.body, form, { legacyCallbacks: true });
    if (!validation.ok) {
      return refuse(res, 400, 'There are data validation errors in the form.', validation.errorDetails.map((d) => `${d.jsonPath}: ${d.details}`).join('; '));
    }
    const slot = takeTriggerSlot(plan, opts.triggersPerMinute, opts.minuteMs);
    if (!slot.ok) {
      res.setHeader('Retry-After', String(slot.retryAfterSeconds));
      return refuse(res, 429, 'Too many requests.', `This plan accepts ${opts.triggersPerMinute} a minute.`);
    }
    try {
      const event = events.create(validation.trigger, { plan, form, requestId: null, submitter: user });
      res.status(200).json({ id: event.id });
    } catch (error) {
      if (!(error instanceof NoRecipients)) throw error;
      refuse(res, 400, 'No valid recipients.', error.message);
    }
  });
  return router;
}

function refuse(res: Response, status: number, message: string, details?: string): void {
  res.status(status).json(details === undefined ? { message } : { message, details });
}
