import type { AddressInfo } from 'node:net';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { ActivityEntry } from './activity';
import { adminRouter } from './admin';
import { SimClock } from './clock';
import { DEFAULT_ENDPOINT, DEFAULT_FORM_ID, DEFAULT_FUNCTION, defaultPlan } from './default-plan';
import { Directory } from './directory';
import { type AutoResponse, EventStore, type SimComment, type SimEvent, type SimNotification } from './events';
import { Faults } from './faults';
import { sendError, sendHtmlNotFound } from './http-errors';
import { inboxRouter } from './inbox';
import { type SimTrigger, integrationRouter } from './integration';
import { legacyFormRouter } from './legacy-form-trigger';
import { pagesRouter } from './pages';
import { importPlanZip } from './plan-import';
import type { InboundAuth, ResponseOption, SimPlan } from './plan-model';
import { type EndpointChange, PlanError, PlanStore } from './plan-store';
import { restRouter } from './rest';
import { TriggerProcessor } from './trigger-processing';
import { type Delivery, WebhookSender } from './webhook-sender';
import { WebhookDispatcher } from './webhooks';

export interface XMattersSimOptions {
  /** Default 0: a free port. */
  port?: number;
  /** Seeds the generated directory; the same seed gives the same people and groups. Default 1. */
  seed?: number;
  /** Generated people besides the fixed ones. Default 3000. */
  people?: number;
  /** Generated groups besides the fixed ones. Default 300. */
  groups?: number;
  /** The largest page the list endpoints return (xMatters' own maximum is undocumented). Default 1000. */
  maxLimit?: number;
  /** Real milliseconds in a simulated minute (escalation delays, expiry, the trigger limit). Default 60000. */
  minuteMs?: number;
  /** How long after its 202 a trigger is processed into an event. Default 100 ms. */
  triggerDelayMs?: number;
  /** Triggers a plan accepts per (simulated) minute before answering 429 (E3). Default 300. */
  triggersPerMinute?: number;
}

export interface SimRequest {
  method: string;
  path: string;
  query: string;
  at: string;
}

export interface ImportedPlan {
  plan: SimPlan;
  warnings: string[];
  /** Each inbound integration with its URL, as "Copy URL" gives it for its authentication method. */
  inbound: Array<{ id: string; name: string; url: string }>;
}

export interface XMattersSim {
  baseUrl: string;
  /** `127.0.0.1:PORT`, what an admin would type as the xMatters hostname. */
  hostname: string;
  inboxUrl: string;
  /** The default plan's "Invite to room" inbound integration URL, for Basic authentication. */
  inviteUrl: string;
  /** The same with URL authentication (`?apiKey=`). */
  inviteUrlWithApiKey: string;
  /** The integration user (REST Web Service User role). */
  credentials: { username: string; password: string };
  /** The default plan's ids. */
  defaultPlan: { planId: string; formId: string; functionId: string; endpoint: string };
  directory: Directory;
  faults: Faults;
  plans: PlanStore;
  events: SimEvent[];
  triggers: SimTrigger[];
  requests: SimRequest[];
  deliveries: Delivery[];
  /** A responder answers (as in the inbox); throws RespondError for what they could not do. */
  respond(eventIdentifier: number, targetName: string, response: string, comment?: string): SimNotification;
  /** A comment on an event by `targetName`, as the inbox or the REST API would add it. */
  comment(eventIdentifier: number, targetName: string, text: string): SimComment;
  terminate(eventIdentifier: number): void;
  autoRespond(rules: Record<string, AutoResponse>): void;
  /** The default plan's outbound integrations of every kind send to `url` with Basic auth; null stops them. */
  setOutboundUrl(url: string | null, credentials?: { username: string; password: string }): void;
  /** Import Plan, as the admin: throws PlanError when the file is not a plan. */
  importPlan(zip: Uint8Array): ImportedPlan;
  /** The admin sets an endpoint's URL or credentials after an import. */
  setEndpoint(planId: string, endpointName: string, change: EndpointChange): void;
  setInboundAuth(integrationId: string, authType: InboundAuth): void;
  /** Edit Plan → name: throws PlanError for an empty, too long or taken name. */
  renamePlan(planId: string, name: string): void;
  setPlanAccess(planId: string, targetNames: string[]): void;
  setFormSenders(formId: string, targetNames: string[]): void;
  setFormResponses(formId: string, responses: ResponseOption[]): void;
  /** An inbound integration's URL for its authentication method ("Copy URL"). */
  inboundUrl(integrationId: string): string;
  /** An integration's Activity Stream, newest first. */
  activity(integrationId: string): ActivityEntry[];
  /** Resolves when triggers are processed, auto-responses given and every webhook delivered or given up on. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

export const INVITE_FUNCTION = DEFAULT_FUNCTION;
export const INTEGRATION_USER = { username: 'hipchat', password: 'hipchat-pass' };
export const ADMIN_USER = { username: 'admin', password: 'admin-pass' };

export async function startXMattersSim(opts: XMattersSimOptions = {}): Promise<XMattersSim> {
  const directory = new Directory({ seed: opts.seed ?? 1, people: opts.people ?? 3000, groups: opts.groups ?? 300 });
  const clock = new SimClock(opts.minuteMs ?? 60_000);
  const plans = new PlanStore(directory);
  plans.add(defaultPlan(INTEGRATION_USER.username, ADMIN_USER.username));
  const sender = new WebhookSender();
  const events = new EventStore(directory, new WebhookDispatcher(plans, sender), clock, (formId) => plans.form(formId));
  const processor = new TriggerProcessor(events, clock, opts.triggerDelayMs ?? 100);
  const faults = new Faults();
  const triggers: SimTrigger[] = [];
  const requests: SimRequest[] = [];
  const limits = { triggersPerMinute: opts.triggersPerMinute ?? 300, minuteMs: clock.minuteMs };
  let baseUrl = '';

  const eventOrThrow = (eventIdentifier: number) => {
    const event = events.find(eventIdentifier);
    if (!event) throw new PlanError(404, `There is no event ${eventIdentifier}.`);
    return event;
  };
  const personOrThrow = (targetName: string) => {
    const person = directory.person(targetName);
    if (!person) throw new PlanError(404, `There is no user ${targetName}.`);
    return person;
  };
  const inboundUrl = (integrationId: string) => {
    const { inbound } = plans.integration(integrationId);
    if (!inbound) throw new PlanError(400, 'Only inbound integrations have a URL.');
    const url = `${baseUrl}/api/integration/1/functions/${inbound.id}/triggers`;
    return inbound.authType === 'URL' ? `${url}?apiKey=${inbound.apiKey}` : url;
  };

  const sim: XMattersSim = {
    baseUrl: '',
    hostname: '',
    inboxUrl: '',
    inviteUrl: '',
    inviteUrlWithApiKey: '',
    credentials: { ...INTEGRATION_USER },
    defaultPlan: { planId: plans.plans[0]!.id, formId: DEFAULT_FORM_ID, functionId: DEFAULT_FUNCTION.id, endpoint: DEFAULT_ENDPOINT },
    directory,
    faults,
    plans,
    events: events.events,
    triggers,
    requests,
    deliveries: sender.deliveries,
    respond: (eventIdentifier, targetName, response, comment) => events.respond(eventIdentifier, targetName, response, comment),
    comment: (eventIdentifier, targetName, text) => events.comment(eventOrThrow(eventIdentifier).id, personOrThrow(targetName), text),
    terminate: (eventIdentifier) => events.terminate(eventOrThrow(eventIdentifier), 'terminated by the operator'),
    autoRespond: (rules) => events.autoRespond(rules),
    setOutboundUrl(url, credentials) {
      plans.setEndpoint(sim.defaultPlan.planId, DEFAULT_ENDPOINT, {
        baseUrl: url ?? '',
        authentication: credentials ? 'BASIC' : 'NO_AUTH',
        username: credentials?.username ?? null,
        password: credentials?.password ?? null,
      });
    },
    importPlan(zip) {
      const { plan, warnings } = importPlanZip(zip, ADMIN_USER.username);
      if (plans.plans.some((p) => p.name.toLowerCase() === plan.name.toLowerCase())) {
        throw new PlanError(409, `A plan named "${plan.name}" already exists. Delete or rename it first.`);
      }
      plans.add(plan);
      return { plan, warnings, inbound: plan.inbound.map((i) => ({ id: i.id, name: i.name, url: inboundUrl(i.id) })) };
    },
    setEndpoint: (planId, endpointName, change) => void plans.setEndpoint(planId, endpointName, change),
    setInboundAuth: (integrationId, authType) => void plans.setInboundAuth(integrationId, authType),
    renamePlan: (planId, name) => void plans.rename(planId, name),
    setPlanAccess: (planId, targetNames) => void plans.setAccess(planId, targetNames),
    setFormSenders: (formId, targetNames) => void plans.setSenders(formId, targetNames),
    setFormResponses: (formId, responses) => void plans.setResponses(formId, responses),
    inboundUrl,
    activity(integrationId) {
      const { inbound, outbound } = plans.integration(integrationId);
      return (inbound ?? outbound)!.activity.latest();
    },
    async idle() {
      for (;;) {
        await processor.idle();
        await events.autoResponsesDone();
        await sender.idle();
        if (!processor.busy() && !events.autoResponsesPending() && !sender.busy()) return;
      }
    },
    async close() {
      faults.close();
      clock.close();
      events.close();
      sender.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };

  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use((req, _res, next) => {
    const q = req.originalUrl.indexOf('?');
    requests.push({ method: req.method, path: req.path, query: q < 0 ? '' : req.originalUrl.slice(q + 1), at: new Date().toISOString() });
    if (requests.length > 5000) requests.splice(0, requests.length - 5000);
    next();
  });
  app.use('/_sim', adminRouter(() => sim));
  app.use('/inbox', inboxRouter(directory, events, plans));
  app.use(['/api', '/reapi'], faults.middleware);
  app.use('/api/xm/1', restRouter(directory, plans, events, opts.maxLimit ?? 1000));
  app.use('/api/integration/1', integrationRouter(directory, plans, processor, triggers, limits));
  app.use('/reapi/2015-04-01', legacyFormRouter(directory, plans, events, limits));
  app.use(['/api', '/reapi'], (_req, res) => sendError(res, 404, 'The requested resource does not exist.'));
  app.use(pagesRouter(() => sim, events));
  app.use((_req, res) => sendHtmlNotFound(res));
  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    const status = (error as { status?: unknown }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      sendError(res, status, status === 413 ? 'The request body is too large.' : 'The request body is not valid JSON.');
      return;
    }
    console.error(`xMatters simulator: ${req.method} ${req.path} failed`, error);
    sendError(res, 500, 'Internal error in the simulator.');
  });

  const server = app.listen(opts.port ?? 0, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  sim.hostname = `127.0.0.1:${port}`;
  baseUrl = sim.baseUrl = `http://${sim.hostname}`;
  sim.inboxUrl = `${baseUrl}/inbox`;
  sim.inviteUrl = `${baseUrl}/api/integration/1/functions/${DEFAULT_FUNCTION.id}/triggers`;
  sim.inviteUrlWithApiKey = `${sim.inviteUrl}?apiKey=${DEFAULT_FUNCTION.apiKey}`;
  return sim;
}
