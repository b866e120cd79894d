import express, { Router, type Response } from 'express';
import { z } from 'zod';
import { RespondError } from './events';
import { faultsPatchSchema } from './faults';
import { sendError } from './http-errors';
import { PlanError } from './plan-store';
import type { XMattersSim } from './server';

// `/_sim`: the operator's controls, for a simulator running in its own process (the demo, manual
// tests). Each does what an admin would do on the Developer tab, or what a responder would do.

const users = z.object({ users: z.array(z.string().min(1)).max(100) }).strict();
const endpoint = z
  .object({
    baseUrl: z.string().optional(),
    authentication: z.enum(['NO_AUTH', 'BASIC', 'URL']).optional(),
    username: z.string().nullable().optional(),
    password: z.string().nullable().optional(),
    apiKey: z.string().nullable().optional(),
  })
  .strict();
const responseOption = z
  .object({
    text: z.string().min(1).max(100),
    description: z.string().max(200).optional(),
    action: z.enum(['RECORD_RESPONSE', 'STOP_NOTIFYING_USER', 'ESCALATE', 'END']),
    contribution: z.enum(['POSITIVE', 'NEGATIVE', 'NEUTRAL']),
    joinConference: z.boolean().optional(),
  })
  .strict();
const outbound = z.object({ url: z.url({ protocol: /^https?$/ }).nullable(), username: z.string().optional(), password: z.string().optional() }).strict();
const answer = z.object({ targetName: z.string().min(1), response: z.string().min(1), comment: z.string().max(2000).optional() }).strict();

export function adminRouter(sim: () => XMattersSim): Router {
  const router = Router();
  const json = express.json({ limit: '64kb' });

  router.post('/faults', json, (req, res) => {
    const patch = faultsPatchSchema.safeParse(req.body);
    if (!patch.success) return sendError(res, 400, z.prettifyError(patch.error));
    sim().faults.apply(patch.data);
    res.json(sim().faults.snapshot());
  });

  router.post('/outbound', json, (req, res) => {
    const body = outbound.safeParse(req.body);
    if (!body.success) return sendError(res, 400, z.prettifyError(body.error));
    const { url, username, password } = body.data;
    sim().setOutboundUrl(url, username === undefined ? undefined : { username, password: password ?? '' });
    res.status(204).end();
  });

  router.get('/plans', (_req, res) => {
    res.json(sim().plans.plans.map((plan) => ({
      id: plan.id,
      name: plan.name,
      forms: plan.forms.map((f) => ({ id: f.id, name: f.name })),
      inbound: plan.inbound.map((i) => ({ id: i.id, name: i.name, authType: i.authType, url: sim().inboundUrl(i.id) })),
      outbound: plan.outbound.map((o) => ({ id: o.id, name: o.name, triggeredBy: o.triggeredBy, endpoint: o.endpointName })),
      endpoints: plan.endpoints.map((e) => ({ name: e.name, baseUrl: e.baseUrl, authentication: e.authentication, username: e.username, passwordSet: e.password !== null })),
    })));
  });

  router.post('/plans', express.raw({ type: () => true, limit: '5mb' }), (req, res) => {
    attempt(res, () => {
      const bytes = Buffer.isBuffer(req.body) ? new Uint8Array(req.body) : new Uint8Array();
      const imported = sim().importPlan(bytes);
      res.status(201).json({ id: imported.plan.id, name: imported.plan.name, inbound: imported.inbound, warnings: imported.warnings });
    });
  });

  router.post('/plans/:planId/endpoints/:name', json, (req, res) => {
    const body = endpoint.safeParse(req.body);
    if (!body.success) return sendError(res, 400, z.prettifyError(body.error));
    attempt(res, () => {
      const changed = sim().plans.setEndpoint(req.params.planId, req.params.name, body.data);
      res.json({ name: changed.name, baseUrl: changed.baseUrl, authentication: changed.authentication, username: changed.username, passwordSet: changed.password !== null });
    });
  });

  router.post('/integrations/:id/auth', json, (req, res) => {
    const body = z.object({ authType: z.enum(['URL', 'BASIC', 'ALL']) }).strict().safeParse(req.body);
    if (!body.success) return sendError(res, 400, z.prettifyError(body.error));
    attempt(res, () => {
      sim().plans.setInboundAuth(req.params.id, body.data.authType);
      res.json({ url: sim().inboundUrl(req.params.id) });
    });
  });

  router.post('/plans/:planId/access', json, (req, res) => {
    const body = users.safeParse(req.body);
    if (!body.success) return sendError(res, 400, z.prettifyError(body.error));
    attempt(res, () => res.json({ users: [...sim().plans.setAccess(req.params.planId, body.data.users).access] }));
  });

  router.post('/forms/:formId/senders', json, (req, res) => {
    const body = users.safeParse(req.body);
    if (!body.success) return sendError(res, 400, z.prettifyError(body.error));
    attempt(res, () => res.json({ users: [...sim().plans.setSenders(req.params.formId, body.data.users).senders] }));
  });

  router.post('/forms/:formId/responses', json, (req, res) => {
    const body = z.object({ responses: z.array(responseOption).max(20) }).strict().safeParse(req.body);
    if (!body.success) return sendError(res, 400, z.prettifyError(body.error));
    attempt(res, () => {
      const options = body.data.responses.map((r) => ({ ...r, description: r.description ?? r.text, joinConference: r.joinConference ?? false }));
      res.json({ responses: sim().plans.setResponses(req.params.formId, options).responses });
    });
  });

  router.post('/events/:eventIdentifier/responses', json, (req, res) => {
    const body = answer.safeParse(req.body);
    if (!body.success) return sendError(res, 400, z.prettifyError(body.error));
    attempt(res, () => {
      const n = sim().respond(Number(req.params.eventIdentifier), body.data.targetName, body.data.response, body.data.comment);
      res.json({ targetName: n.targetName, response: n.response, comment: n.comment });
    });
  });

  return router;
}

function attempt(res: Response, run: () => void): void {
  try {
    run();
  } catch (error) {
    if (!(error instanceof PlanError) && !(error instanceof RespondError)) throw error;
    sendError(res, error.status, error.message);
  }
}
