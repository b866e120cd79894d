import { createServer, type Server } from 'node:http';
import { mkdirSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createAddon, type Addon } from '../app';
import { loadConfig } from '../lib/config';
import { createLogger } from '../lib/logger';
import { startHipChatSim, type HipChatSim } from './hipchat/server';
import { startXMattersSim, type XMattersSim } from './xmatters/server';

export interface DemoOptions {
  /** Preferred ports; a taken one falls back to a free port, and 0 always means a free port. */
  ports?: { hipchat?: number; xmatters?: number; addon?: number };
  /** The add-on's data folder; its database starts empty on every run (the simulators keep nothing). */
  dataDir: string;
  /** The room the add-on is installed into through its descriptor URL; null installs nothing. Default 100. */
  installRoomId?: number | null;
  /** The add-on's log level (LOG_LEVEL). Default "warn". */
  logLevel?: string;
  /**
   * Set xMatters and the add-on up as the admins would (default true when a room is installed): the
   * add-on's xMatters connection, the communication plan it offers imported into xMatters with the
   * callback password and the permissions, and the imported inbound integration's URL saved.
   */
  setUp?: boolean;
}

export interface Demo {
  hipchat: HipChatSim;
  xmatters: XMattersSim;
  addon: Addon;
  addonUrl: string;
  descriptorUrl: string;
  /**
   * What `setUp` did: the imported plan and the Invite to Room URL saved, and an alert source in the
   * room (a Sumo Logic-style HipChat connection whose critical alerts invite the Database group) with the
   * URL to post alerts to; null when nothing was set up.
   */
  setUp: { planId: string; planName: string; inviteUrl: string; alertUrl: string } | null;
  /** The room to open in a browser: where the add-on was installed, else the first room. */
  roomUrl: string;
  close(): Promise<void>;
}

const DEFAULT_PORTS = { hipchat: 4100, xmatters: 4200, addon: 4000 } as const;
const DEMO_ROOM_ID = 100;
const CLOSE_TIMEOUT_MS = 10_000;

/**
 * The HipChat simulator, the xMatters simulator and the add-on on 127.0.0.1, wired to trust each
 * other, with the add-on installed into a room from its descriptor URL as an admin would.
 */
export async function startDemo(opts: DemoOptions): Promise<Demo> {
  const ports = { ...DEFAULT_PORTS, ...opts.ports };
  const closers: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const closer of closers.splice(0).reverse()) await closer();
  };
  try {
    const hipchat = await withPortFallback(ports.hipchat, (port) => startHipChatSim({ port }));
    closers.push(() => hipchat.close());
    const xmatters = await withPortFallback(ports.xmatters, (port) => startXMattersSim({ port }));
    closers.push(() => xmatters.close());

    const dataDir = resolve(opts.dataDir);
    mkdirSync(dataDir, { recursive: true });
    const database = join(dataDir, 'addon.db');
    for (const suffix of ['', '-journal', '-wal', '-shm']) rmSync(`${database}${suffix}`, { force: true });

    const server = await withPortFallback(ports.addon, listen);
    closers.push(async () => {
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
    });
    const port = (server.address() as AddressInfo).port;
    const addonUrl = `http://127.0.0.1:${port}`;
    const logLevel = opts.logLevel ?? 'warn';
    const config = loadConfig({
      PORT: String(port),
      HOST: '127.0.0.1',
      BASE_URL: addonUrl,
      DATABASE_URL: `sqlite:${database}`,
      DATA_DIR: dataDir,
      HIPCHAT_ALLOWED_HOSTS: new URL(hipchat.baseUrl).host,
      XMATTERS_ALLOWED_HOSTS: xmatters.hostname,
      LOG_LEVEL: logLevel,
    });
    const addon = await createAddon(config, createLogger(logLevel));
    // Closed after its server stops taking requests (closers run in reverse).
    closers.splice(2, 0, () => addon.close());
    server.on('request', addon.app);
    const descriptorUrl = `${addonUrl}/atlassian-connect.json`;

    const roomId = opts.installRoomId === undefined ? DEMO_ROOM_ID : opts.installRoomId;
    let setUp: Demo['setUp'] = null;
    if (roomId !== null) {
      const outcome = await hipchat.install(descriptorUrl, { roomId });
      if (!outcome.installation) throw new Error(`Installing the add-on into room ${roomId} failed: HTTP ${outcome.status} ${outcome.body}`);
      if (opts.setUp !== false) setUp = await setUpLikeTheAdmins({ hipchat, xmatters, addonUrl, oauthId: outcome.installation.oauthId, roomId });
    }
    return { hipchat, xmatters, addon, addonUrl, descriptorUrl, setUp, roomUrl: `${hipchat.baseUrl}/chat/room/${roomId ?? DEMO_ROOM_ID}`, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/**
 * What a HipChat admin and an xMatters admin do after the install (seed 002, with this add-on's plan),
 * through the add-on's own configure endpoints and the xMatters simulator's Developer tab calls.
 */
async function setUpLikeTheAdmins(opts: { hipchat: HipChatSim; xmatters: XMattersSim; addonUrl: string; oauthId: string; roomId: number }): Promise<NonNullable<Demo['setUp']>> {
  const { hipchat, xmatters, addonUrl, oauthId, roomId } = opts;
  // Alice Admin, the group admin, on the configure tab.
  const asAlice = () => ({ authorization: `JWT ${hipchat.signJwt(oauthId, { userId: 1, roomId })}` });
  const connection = { hostname: xmatters.baseUrl, username: xmatters.credentials.username, password: xmatters.credentials.password };
  const saveSettings = async (body: object) => {
    const res = await fetch(`${addonUrl}/configure/api/settings`, { method: 'POST', headers: { ...asAlice(), 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`Save Settings failed: HTTP ${res.status} ${await res.text()}`);
    return (await res.json()) as { callback: { password?: string } };
  };
  // 1. Test Authentication and Save Settings, without the Invite to Room URL: the callback credentials come with it.
  const { callback } = await saveSettings({ ...connection, inviteUrl: '' });
  if (!callback.password) throw new Error('Save Settings gave no callback password');
  // 2. Download the xMatters communication plan.
  const plan = await fetch(`${addonUrl}/configure/api/plan`, { headers: asAlice() });
  if (!plan.ok) throw new Error(`Downloading the plan failed: HTTP ${plan.status} ${await plan.text()}`);
  // 3. In xMatters: Import Plan, access and sender permissions for the integration user, the endpoint's password.
  const imported = xmatters.importPlan(new Uint8Array(await plan.arrayBuffer()));
  const user = xmatters.credentials.username;
  xmatters.setPlanAccess(imported.plan.id, [...imported.plan.access, user]);
  for (const form of imported.plan.forms) xmatters.setFormSenders(form.id, [...form.senders, user]);
  for (const endpoint of imported.plan.endpoints) xmatters.setEndpoint(imported.plan.id, endpoint.name, { password: callback.password });
  // 4. Copy URL of the "Invite to room" inbound integration, paste it on the configure tab, Save Settings.
  const inviteUrl = imported.inbound[0]?.url;
  if (!inviteUrl) throw new Error('The imported plan has no inbound integration');
  await saveSettings({ ...connection, password: '', inviteUrl });
  // 5. An alert source for the room, as Sumo Logic's HipChat connection would post to (seed 000): its
  //    critical alerts invite the Database group.
  const created = await fetch(`${addonUrl}/configure/api/alert-sources`, {
    method: 'POST',
    headers: { ...asAlice(), 'content-type': 'application/json' },
    body: JSON.stringify({
      name: 'Sumo Logic',
      kind: 'hipchat',
      rooms: [],
      template: null,
      alertKey: '',
      dedupeMinutes: 10,
      rules: [{ field: 'message', op: 'contains', value: 'Critical', invite: { group: 'Database', description: '{{message}}' } }],
      inviteWindowMinutes: 60,
    }),
  });
  if (!created.ok) throw new Error(`Creating the alert source failed: HTTP ${created.status} ${await created.text()}`);
  const { secret } = (await created.json()) as { secret: { urlWithSecret: string } };
  return { planId: imported.plan.id, planName: imported.plan.name, inviteUrl, alertUrl: secret.urlWithSecret };
}

/** A Sumo Logic monitor's alert as its HipChat connection posts it (test/fixtures/alerts/sumo-logic). */
const SUMO_ALERT = {
  color: 'red',
  message: 'Sumo Logic Alert: Critical Checkout errors: Greater than or equal to 1.0 in the last 15 minutes',
  notify: true,
  message_format: 'text',
};

async function withPortFallback<T>(port: number, start: (port: number) => Promise<T>): Promise<T> {
  try {
    return await start(port);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || port === 0) throw err;
    console.warn(`Port ${port} is taken; using a free port instead.`);
    return start(0);
  }
}

function listen(port: number): Promise<Server> {
  const server = createServer();
  return new Promise((done, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => done(server));
  });
}

function portFromEnv(name: string, fallback: number): number {
  const value = process.env[name];
  if (value === undefined || value === '') return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`${name} must be a port number (0-65535), got "${value}"`);
  return port;
}

function instructions(demo: Demo): string {
  const { hipchat, xmatters } = demo;
  const setUp = demo.setUp
    ? `  Set up as the admins would: the add-on's xMatters connection (${xmatters.baseUrl}, user ${xmatters.credentials.username}),
  and its communication plan imported into xMatters as "${demo.setUp.planName}" with the callback password,
  access and sender permissions; its Invite to Room URL is saved on the configure tab. See both:
    configure tab   Integrations → "xMatters On-Call Invite" → Configure
    xMatters        ${xmatters.baseUrl}/developer/plans/${demo.setUp.planId}
  (DEMO_SETUP=manual starts with nothing set up, to do these steps by hand from the configure tab.)

  An alert source "Sumo Logic" posts to the room; its critical alerts invite the Database group. Post one:
    curl -X POST '${demo.setUp.alertUrl}' -H 'Content-Type: application/json' \\
      -d '${JSON.stringify(SUMO_ALERT)}'
  then type a message in the room: it appears as a comment on the xMatters event
  (${xmatters.baseUrl}/events).
`
    : `  Nothing is set up (DEMO_SETUP=manual). You are Alice Admin (group admin):
    Integrations → "xMatters On-Call Invite" → Configure: xMatters hostname ${xmatters.baseUrl},
    username ${xmatters.credentials.username}, password ${xmatters.credentials.password}; Test Authentication,
    Save Settings, then follow "Set up xMatters" on that tab (the xMatters Developer tab is
    ${xmatters.baseUrl}/developer) and paste the imported inbound integration's URL.
`;
  return `
HipChat simulator, xMatters simulator and the add-on are running.

  Open:  ${demo.roomUrl}

${setUp}
What to try
  1. In the room, click "+" → "Invite on-call responders" (authorize it the first time),
     pick a person or group (try "Database") and Send Invite.
  2. Answer as a responder in the xMatters inbox, e.g. ${xmatters.inboxUrl}/bsmith
     and watch the answer come back through the plan's outbound integrations into the room.
  Also: type /oncall in the room; switch users at the top right; install the add-on again
  globally from Integrations with ${demo.descriptorUrl}

  HipChat ${hipchat.baseUrl}   xMatters ${xmatters.baseUrl}   add-on ${demo.addonUrl}
  Add-on data: ./data/demo (LOG_LEVEL=info for the add-on's logs). Ctrl-C stops everything.
`;
}

async function main(): Promise<void> {
  const demo = await startDemo({
    ports: {
      hipchat: portFromEnv('DEMO_HIPCHAT_PORT', DEFAULT_PORTS.hipchat),
      xmatters: portFromEnv('DEMO_XMATTERS_PORT', DEFAULT_PORTS.xmatters),
      addon: portFromEnv('DEMO_ADDON_PORT', DEFAULT_PORTS.addon),
    },
    dataDir: join('data', 'demo'),
    logLevel: process.env.LOG_LEVEL || 'warn',
    setUp: process.env.DEMO_SETUP !== 'manual',
  });
  console.log(instructions(demo));
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    console.log('Stopping…');
    setTimeout(() => {
      console.error('Did not stop within 10 s; exiting anyway.');
      process.exit(1);
    }, CLOSE_TIMEOUT_MS).unref();
    demo.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error('Stopping failed:', err);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
