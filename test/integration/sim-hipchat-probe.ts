// Shared by the HipChat simulator's tests: a throwaway add-on and the calls a HipChat API client makes.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import express, { type Request, type Response } from 'express';
import type { HipChatSim } from '../../sim/hipchat/server';

export interface Recorded {
  method: string;
  path: string;
  query: Record<string, unknown>;
  headers: Record<string, unknown>;
  body: any;
}

export type Probe = Awaited<ReturnType<typeof startProbe>>;

/** An add-on on 127.0.0.1: serves a descriptor, records every other request, answers 204 unless told otherwise. */
export async function startProbe() {
  const requests: Recorded[] = [];
  const responders = new Map<string, (req: Request, res: Response) => unknown>();
  let descriptor: unknown = {};
  const app = express();
  app.use(express.json());
  app.get('/descriptor', (_req, res) => {
    res.json(descriptor);
  });
  app.use(async (req, res) => {
    requests.push({ method: req.method, path: req.path, query: { ...req.query }, headers: req.headers, body: req.body });
    const responder = responders.get(`${req.method} ${req.path}`);
    if (responder) await responder(req, res);
    else res.status(204).end();
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    requests,
    serve(doc: unknown) {
      descriptor = doc;
    },
    on(method: string, path: string, handler: (req: Request, res: Response) => unknown) {
      responders.set(`${method} ${path}`, handler);
    },
    received(path: string) {
      return requests.filter((request) => request.path === path);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export function probeDescriptor(probe: Probe, capabilities: Record<string, unknown> = {}, scopes = ['send_notification', 'view_room', 'view_group', 'admin_room']) {
  return {
    key: 'com.example.sim-probe',
    name: 'Sim Probe',
    description: 'An add-on used by the simulator tests',
    links: { self: `${probe.url}/descriptor` },
    capabilities: {
      hipchatApiConsumer: { scopes, fromName: 'Sim Probe' },
      installable: { callbackUrl: `${probe.url}/installed` },
      ...capabilities,
    },
  };
}

export interface Credentials {
  oauthId: string;
  oauthSecret: string;
}

/** Installs the probe with `capabilities` (globally unless `roomId`), failing the test if it is refused. */
export async function installProbe(sim: HipChatSim, probe: Probe, capabilities: Record<string, unknown> = {}, opts: { roomId?: number; scopes?: string[] } = {}) {
  probe.serve(probeDescriptor(probe, capabilities, opts.scopes));
  const outcome = await sim.install(`${probe.url}/descriptor`, opts.roomId === undefined ? {} : { roomId: opts.roomId });
  assert.ok(outcome.installation, `install failed: ${outcome.status} ${outcome.body}`);
  return outcome.installation;
}

export function basic(oauthId: string, secret: string): string {
  return `Basic ${Buffer.from(`${oauthId}:${secret}`).toString('base64')}`;
}

/** `POST /v2/oauth/token` with client credentials, as a form body. */
export function grant(sim: HipChatSim, creds: Credentials, scope?: string, init: { signal?: AbortSignal } = {}) {
  const fields: Record<string, string> = { grant_type: 'client_credentials' };
  if (scope !== undefined) fields.scope = scope;
  return fetch(`${sim.apiUrl}/oauth/token`, {
    method: 'POST',
    headers: { Authorization: basic(creds.oauthId, creds.oauthSecret), 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
    ...(init.signal ? { signal: init.signal } : {}),
  });
}

export async function addonToken(sim: HipChatSim, creds: Credentials, scope?: string): Promise<string> {
  const res = await grant(sim, creds, scope);
  assert.equal(res.status, 200, await res.clone().text());
  return ((await res.json()) as { access_token: string }).access_token;
}

/** A call to `/v2{path}` with a Bearer token; `json` makes it a POST (unless `method` says otherwise). */
export function api(sim: HipChatSim, path: string, token: string | undefined, init: { method?: string; json?: unknown } = {}) {
  const headers: Record<string, string> = {};
  if (token) headers.Authorization = `Bearer ${token}`;
  if (init.json !== undefined) headers['Content-Type'] = 'application/json';
  return fetch(`${sim.apiUrl}${path}`, {
    method: init.method ?? (init.json === undefined ? 'GET' : 'POST'),
    headers,
    body: init.json === undefined ? undefined : JSON.stringify(init.json),
  });
}

export interface HipChatError {
  code: number;
  message: string;
  type: string;
}

export async function errorOf(res: globalThis.Response): Promise<HipChatError> {
  return ((await res.json()) as { error: HipChatError }).error;
}

export function postFaults(sim: HipChatSim, patch: unknown) {
  return fetch(`${sim.baseUrl}/_sim/faults`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(patch) });
}
