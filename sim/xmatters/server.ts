import type { AddressInfo } from 'node:net';
import express, { type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import { CallbackSender, type Delivery } from './callback-sender';
import { Directory } from './directory';
import { type AutoResponse, EventStore, type SimEvent, type SimNotification } from './events';
import { Faults, faultsPatchSchema } from './faults';
import { sendError, sendHtmlNotFound } from './http-errors';
import { inboxRouter } from './inbox';
import { type SimFunction, type SimTrigger, integrationRouter } from './integration';
import { restRouter } from './rest';

export interface XMattersSimOptions {
  /** Default 0: a free port. */
  port?: number;
  /** Seeds the generated directory; the same seed gives the same people and groups. Default 1. */
  seed?: number;
  /** Generated people besides the fixed ones. Default 3000. */
  people?: number;
  /** Generated groups besides the fixed ones. Default 300. */
  groups?: number;
  /** The largest page `/people` and `/groups` return (xMatters' own maximum is undocumented). Default 1000. */
  maxLimit?: number;
}

export interface SimRequest {
  method: string;
  path: string;
  query: string;
  at: string;
}

export interface XMattersSim {
  baseUrl: string;
  /** `127.0.0.1:PORT`, what an admin would type as the xMatters hostname. */
  hostname: string;
  inboxUrl: string;
  /** The "Invite to room" inbound integration URL, for Basic authentication. */
  inviteUrl: string;
  /** The same with URL authentication (`?apiKey=`). */
  inviteUrlWithApiKey: string;
  /** The integration user (REST Web Service User role). */
  credentials: { username: string; password: string };
  directory: Directory;
  faults: Faults;
  events: SimEvent[];
  triggers: SimTrigger[];
  requests: SimRequest[];
  deliveries: Delivery[];
  respond(eventIdentifier: number, targetName: string, response: 'Accept' | 'Decline', comment?: string): SimNotification;
  autoRespond(rules: Record<string, AutoResponse>): void;
  /** An outbound integration that receives every callback type; null removes it. */
  setOutboundUrl(url: string | null, credentials?: { username: string; password: string }): void;
  /** Resolves when scheduled auto-responses have been given and every callback delivered or given up on. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

export const INVITE_FUNCTION: SimFunction = { id: '8a1f0c3e-5b7d-4e2a-9c61-2f4d8e0b7a53', apiKey: 'c2ltLWludml0ZS10by1yb29t' };
export const INTEGRATION_USER = { username: 'hipchat', password: 'hipchat-pass' };

const outboundSchema = z
  .object({ url: z.url({ protocol: /^https?$/ }).nullable(), username: z.string().optional(), password: z.string().optional() })
  .strict();

export async function startXMattersSim(opts: XMattersSimOptions = {}): Promise<XMattersSim> {
  const directory = new Directory({ seed: opts.seed ?? 1, people: opts.people ?? 3000, groups: opts.groups ?? 300 });
  const sender = new CallbackSender();
  const events = new EventStore(directory, sender);
  const faults = new Faults();
  const triggers: SimTrigger[] = [];
  const requests: SimRequest[] = [];

  const setOutbound = (url: string | null, credentials?: { username?: string; password?: string }) =>
    events.setOutbound(
      url === null ? null : { url, ...(credentials?.username === undefined ? {} : { username: credentials.username, password: credentials.password ?? '' }) },
    );

  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use((req, _res, next) => {
    const q = req.originalUrl.indexOf('?');
    requests.push({ method: req.method, path: req.path, query: q < 0 ? '' : req.originalUrl.slice(q + 1), at: new Date().toISOString() });
    if (requests.length > 5000) requests.splice(0, requests.length - 5000);
    next();
  });

  const admin = express.Router();
  admin.post('/faults', (req, res) => {
    const patch = faultsPatchSchema.safeParse(req.body);
    if (!patch.success) return sendError(res, 400, z.prettifyError(patch.error));
    faults.apply(patch.data);
    res.json(faults.snapshot());
  });
  admin.post('/outbound', (req, res) => {
    const body = outboundSchema.safeParse(req.body);
    if (!body.success) return sendError(res, 400, z.prettifyError(body.error));
    setOutbound(body.data.url, body.data);
    res.status(204).end();
  });
  app.use('/_sim', express.json(), admin);

  app.use('/inbox', inboxRouter(directory, events));
  app.use('/api', faults.middleware);
  app.use('/api/xm/1', restRouter(directory, opts.maxLimit ?? 1000));
  app.use('/api/integration/1', integrationRouter(directory, events, INVITE_FUNCTION, triggers));
  app.use('/api', (_req, res) => sendError(res, 404, 'The requested resource does not exist.'));
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
  const hostname = `127.0.0.1:${port}`;
  const baseUrl = `http://${hostname}`;
  const inviteUrl = `${baseUrl}/api/integration/1/functions/${INVITE_FUNCTION.id}/triggers`;

  return {
    baseUrl,
    hostname,
    inboxUrl: `${baseUrl}/inbox`,
    inviteUrl,
    inviteUrlWithApiKey: `${inviteUrl}?apiKey=${INVITE_FUNCTION.apiKey}`,
    credentials: { ...INTEGRATION_USER },
    directory,
    faults,
    events: events.events,
    triggers,
    requests,
    deliveries: sender.deliveries,
    respond: (eventIdentifier, targetName, response, comment) => events.respond(eventIdentifier, targetName, response, comment),
    autoRespond: (rules) => events.autoRespond(rules),
    setOutboundUrl: (url, credentials) => setOutbound(url, credentials),
    async idle() {
      await events.autoResponsesDone();
      await sender.idle();
    },
    async close() {
      faults.close();
      events.close();
      sender.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
