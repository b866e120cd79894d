import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import jwt from 'jsonwebtoken';
import { startHipChatSim, type HipChatSim } from '../../sim/hipchat/server';
import { startProbe, type Probe } from './sim-hipchat-probe';

let sim: HipChatSim;
let addon: Probe;

before(async () => {
  sim = await startHipChatSim();
  addon = await startProbe();
});

after(async () => {
  await sim.close();
  await addon.close();
});

function descriptor(capabilities: Record<string, unknown> = {}, scopes = ['send_notification', 'view_room', 'view_group', 'admin_room']) {
  return {
    key: 'com.example.sim-test',
    name: 'Sim Test',
    description: 'An add-on used by the simulator tests',
    links: { self: `${addon.url}/descriptor` },
    capabilities: {
      hipchatApiConsumer: { scopes, fromName: 'Sim Test' },
      installable: { callbackUrl: `${addon.url}/installed` },
      ...capabilities,
    },
  };
}

async function install(capabilities: Record<string, unknown> = {}, opts: { roomId?: number; scopes?: string[] } = {}) {
  addon.serve(descriptor(capabilities, opts.scopes));
  const outcome = await sim.install(`${addon.url}/descriptor`, opts.roomId === undefined ? {} : { roomId: opts.roomId });
  assert.ok(outcome.installation, `install failed: ${outcome.status} ${outcome.body}`);
  return outcome.installation;
}

function basic(oauthId: string, secret: string) {
  return `Basic ${Buffer.from(`${oauthId}:${secret}`).toString('base64')}`;
}

async function grant(creds: { oauthId: string; oauthSecret: string }, scope?: string, as: 'form' | 'json' = 'form') {
  const fields: Record<string, string> = { grant_type: 'client_credentials' };
  if (scope !== undefined) fields.scope = scope;
  return fetch(`${sim.apiUrl}/oauth/token`, {
    method: 'POST',
    headers: {
      Authorization: basic(creds.oauthId, creds.oauthSecret),
      'Content-Type': as === 'json' ? 'application/json' : 'application/x-www-form-urlencoded',
    },
    body: as === 'json' ? JSON.stringify(fields) : new URLSearchParams(fields).toString(),
  });
}

async function token(creds: { oauthId: string; oauthSecret: string }, scope?: string): Promise<string> {
  const res = await grant(creds, scope);
  assert.equal(res.status, 200);
  return ((await res.json()) as { access_token: string }).access_token;
}

function api(path: string, accessToken: string | undefined, init: { method?: string; json?: unknown } = {}) {
  const headers: Record<string, string> = {};
  if (accessToken) headers.Authorization = `Bearer ${accessToken}`;
  if (init.json !== undefined) headers['Content-Type'] = 'application/json';
  return fetch(`${sim.apiUrl}${path}`, {
    method: init.method ?? (init.json === undefined ? 'GET' : 'POST'),
    headers,
    body: init.json === undefined ? undefined : JSON.stringify(init.json),
  });
}

async function errorOf(res: globalThis.Response) {
  return ((await res.json()) as { error: { code: number; message: string; type: string } }).error;
}

async function eventually(check: () => boolean, what: string) {
  for (let i = 0; i < 100 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 20));
  assert.ok(check(), `timed out waiting for ${what}`);
}

test('capabilities document has HipChat shape with this server URLs', async () => {
  const res = await fetch(sim.capabilitiesUrl);
  assert.equal(res.status, 200);
  const doc = (await res.json()) as any;
  assert.equal(doc.key, 'hipchat');
  assert.equal(doc.links.self, sim.capabilitiesUrl);
  assert.equal(doc.links.api, `${sim.baseUrl}/v2`);
  assert.equal(doc.links.homepage, sim.baseUrl);
  assert.equal(doc.capabilities.hipchatApiProvider.url, `${sim.baseUrl}/v2/`);
  assert.equal(doc.capabilities.oauth2Provider.tokenUrl, `${sim.baseUrl}/v2/oauth/token`);
  assert.equal(Object.keys(doc.capabilities.hipchatApiProvider.availableScopes).length, 9);
  assert.ok(sim.baseUrl.startsWith('http://127.0.0.1:'));
});

test('install posts the documented body; the add-on can verify it inside the callback', async () => {
  let grantDuringCallback = 0;
  let selfLink = '';
  addon.on('POST', '/installed', async (req, res) => {
    const caps = (await (await fetch(req.body.capabilitiesUrl)).json()) as any;
    selfLink = caps.links.self;
    grantDuringCallback = (await grant(req.body, 'send_notification')).status;
    res.status(204).end();
  });
  const before = addon.received('/installed').length;
  const global = await install();
  const room = await install({}, { roomId: 101 });
  addon.on('POST', '/installed', (_req, res) => res.status(204).end());

  const [globalPost, roomPost] = addon.received('/installed').slice(before);
  assert.deepEqual(globalPost?.body, {
    capabilitiesUrl: sim.capabilitiesUrl,
    oauthId: global.oauthId,
    oauthSecret: global.oauthSecret,
    groupId: 1,
  });
  assert.deepEqual(roomPost?.body, {
    capabilitiesUrl: sim.capabilitiesUrl,
    oauthId: room.oauthId,
    oauthSecret: room.oauthSecret,
    groupId: 1,
    roomId: 101,
  });
  assert.match(global.oauthId, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  assert.match(global.oauthSecret, /^[A-Za-z0-9]{40}$/);
  assert.notEqual(global.oauthId, room.oauthId);
  assert.equal(selfLink, sim.capabilitiesUrl);
  assert.equal(grantDuringCallback, 200);
  assert.equal(sim.installations.get(room.oauthId)?.roomId, 101);
  sim.revoke(global.oauthId);
  sim.revoke(room.oauthId);
});

test('an invalid descriptor is refused with the schema errors and no callback', async () => {
  const before = addon.requests.length;
  const bad = descriptor({ webhook: [{ event: 'room_message' }] });
  addon.serve({ ...bad, key: undefined });
  const outcome = await sim.install(`${addon.url}/descriptor`);
  assert.equal(outcome.status, 400);
  assert.equal(outcome.installation, undefined);
  assert.match(outcome.body, /must have required property 'key'/);
  assert.match(outcome.body, /webhook\/0 must have required property 'url'/);
  assert.equal(addon.requests.length, before);
});

test('a room install is refused when installable.allowRoom is false', async () => {
  addon.serve(descriptor({ installable: { callbackUrl: `${addon.url}/installed`, allowRoom: false } }));
  const outcome = await sim.install(`${addon.url}/descriptor`, { roomId: 100 });
  assert.equal(outcome.status, 400);
  assert.match(outcome.body, /allowRoom/);
  const global = await sim.install(`${addon.url}/descriptor`);
  assert.ok(global.installation);
  sim.revoke(global.installation.oauthId);
});

test('an add-on refusing the install gets its status and body back, and the client is removed', async () => {
  let posted: { oauthId: string; oauthSecret: string } | undefined;
  addon.on('POST', '/installed', (req, res) => {
    posted = req.body;
    res.status(403).type('text/plain').send('host not allowed');
  });
  addon.serve(descriptor());
  const outcome = await sim.install(`${addon.url}/descriptor`);
  addon.on('POST', '/installed', (_req, res) => res.status(204).end());
  assert.deepEqual(outcome, { status: 403, body: 'host not allowed' });
  assert.ok(posted);
  assert.equal((await grant(posted)).status, 401);
  assert.equal(sim.installations.has(posted.oauthId), false);
});

test('token grant accepts form and JSON bodies and answers the documented fields', async () => {
  const creds = await install();
  const form = await grant(creds, 'send_notification view_room');
  assert.equal(form.status, 200);
  const body = (await form.json()) as any;
  assert.equal(body.token_type, 'bearer');
  assert.equal(body.scope, 'send_notification view_room');
  assert.equal(body.expires_in, 8 * 3600);
  assert.equal(body.group_id, 1);
  assert.equal(body.group_name, 'Acme');
  assert.match(body.access_token, /^\S{20,}$/);

  const json = await grant(creds, 'view_group', 'json');
  assert.equal(json.status, 200);
  assert.equal(((await json.json()) as any).scope, 'view_group');
  assert.equal(sim.tokenRequests(creds.oauthId), 2);

  sim.setTokenLifetime(60);
  assert.equal(((await (await grant(creds)).json()) as any).expires_in, 60);
  sim.setTokenLifetime(8 * 3600);
  sim.revoke(creds.oauthId);
});

test('token grant refuses a wrong secret, a foreign grant type and scopes outside the descriptor', async () => {
  const creds = await install({}, { scopes: ['send_notification'] });
  const wrong = await grant({ oauthId: creds.oauthId, oauthSecret: 'x'.repeat(40) });
  assert.equal(wrong.status, 401);
  assert.deepEqual(Object.keys(await errorOf(wrong)), ['code', 'message', 'type']);

  const noAuth = await fetch(`${sim.apiUrl}/oauth/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials' }) });
  assert.equal(noAuth.status, 401);

  const password = await fetch(`${sim.apiUrl}/oauth/token`, {
    method: 'POST',
    headers: { Authorization: basic(creds.oauthId, creds.oauthSecret) },
    body: new URLSearchParams({ grant_type: 'password' }),
  });
  assert.equal(password.status, 400);

  const outside = await grant(creds, 'send_notification admin_group');
  assert.equal(outside.status, 400);
  assert.match((await errorOf(outside)).message, /admin_group/);
  assert.equal(sim.tokenRequests(creds.oauthId), 0);
  sim.revoke(creds.oauthId);
});

test('revoke stops token grants and already-issued tokens; invalidateTokens only the tokens', async () => {
  const creds = await install();
  const first = await token(creds);
  sim.invalidateTokens(creds.oauthId);
  const stale = await api('/room/100', first);
  assert.equal(stale.status, 401);
  assert.deepEqual(await errorOf(stale), { code: 401, message: 'Invalid OAuth session', type: 'Unauthorized' });

  const second = await token(creds);
  assert.equal((await api('/room/100', second)).status, 200);
  sim.revoke(creds.oauthId);
  assert.equal((await api('/room/100', second)).status, 401);
  assert.equal((await grant(creds)).status, 401);
});

test('bearer auth: header or auth_token, 401 without, 403 naming the missing scopes', async () => {
  const creds = await install({}, { scopes: ['send_notification'] });
  const accessToken = await token(creds);
  const none = await api('/room/100', undefined);
  assert.equal(none.status, 401);
  assert.equal((await errorOf(none)).type, 'Unauthorized');

  const forbidden = await fetch(`${sim.apiUrl}/room/100?auth_token=${accessToken}`);
  assert.equal(forbidden.status, 403);
  assert.deepEqual(await errorOf(forbidden), {
    code: 403,
    message: "This action requires one of the following scopes: [u'view_group', u'view_room']",
    type: 'Forbidden',
  });
  const authTest = await fetch(`${sim.apiUrl}/room/100/notification?auth_token=${accessToken}&auth_test=true`, { method: 'POST' });
  assert.equal(authTest.status, 202);
  assert.equal(sim.notifications(100).length, 0);
  sim.revoke(creds.oauthId);
});

test('notification: validation, 204, stored as sent; form body; unknown room; room tokens stay in their room', async () => {
  const creds = await install();
  const accessToken = await token(creds);
  const post = (room: string, json: unknown) => api(`/room/${room}/notification`, accessToken, { json });

  for (const [body, problem] of [
    [{}, /message is required/],
    [{ message: '' }, /between 1 and 10000/],
    [{ message: 'x'.repeat(10001) }, /between 1 and 10000/],
    [{ message: 'hi', color: 'blue' }, /color must be one of/],
    [{ message: 'hi', message_format: 'markdown' }, /message_format/],
    [{ message: 'hi', notify: 'yes' }, /notify must be a boolean/],
    [{ message: 'hi', from: 'f'.repeat(65) }, /from must be at most 64/],
    [{ message: 'hi', card: 'nope' }, /card must be an object/],
  ] as const) {
    const res = await post('102', body);
    assert.equal(res.status, 400, JSON.stringify(body));
    assert.match((await errorOf(res)).message, problem);
  }
  assert.equal(sim.notifications(102).length, 0);

  const card = { style: 'application', id: 'c1', title: 'Invite', metadata: { kind: 'invite' } };
  const ok = await post('Random', { message: '<b>hi</b>', color: 'green', notify: true, from: 'On-call', card });
  assert.equal(ok.status, 204);
  const form = await fetch(`${sim.apiUrl}/room/102/notification`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${accessToken}` },
    body: new URLSearchParams({ message: 'plain @bsmith', message_format: 'text', notify: 'false' }),
  });
  assert.equal(form.status, 204);
  const [first, second] = sim.notifications(102);
  assert.deepEqual(
    { ...first, id: undefined, date: undefined },
    {
      id: undefined,
      date: undefined,
      from: 'On-call',
      sender: { type: 'addon', oauthId: creds.oauthId },
      color: 'green',
      message_format: 'html',
      message: '<b>hi</b>',
      notify: true,
      card,
    },
  );
  assert.match(first?.date ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$/);
  assert.equal(second?.message_format, 'text');
  assert.equal(second?.color, 'yellow');
  assert.equal(second?.notify, false);

  const adminView = (await (await fetch(`${sim.baseUrl}/_sim/rooms/102/notifications`)).json()) as unknown[];
  assert.equal(adminView.length, 2);
  assert.equal((await post('999', { message: 'hi' })).status, 404);

  const roomCreds = await install({}, { roomId: 101 });
  const roomToken = await token(roomCreds);
  assert.equal((await api('/room/101/notification', roomToken, { json: { message: 'ok' } })).status, 204);
  const elsewhere = await api('/room/102/notification', roomToken, { json: { message: 'no' } });
  assert.equal(elsewhere.status, 403);
  sim.revoke(creds.oauthId);
  sim.revoke(roomCreds.oauthId);
});

test('flood control: the 31st notification in a minute to one room is refused with 429', async () => {
  const creds = await install();
  const accessToken = await token(creds);
  const { roomId } = await sim.createRoom({ name: 'Flood', ownerId: 1 });
  const send = () => api(`/room/${roomId}/notification`, accessToken, { json: { message: 'tick' } });
  for (let i = 1; i <= 30; i++) {
    const res = await send();
    assert.equal(res.status, 204);
    assert.equal(res.headers.get('x-floodcontrol-limit'), '30');
    assert.equal(res.headers.get('x-floodcontrol-remaining'), String(30 - i));
  }
  const refused = await send();
  assert.equal(refused.status, 429);
  assert.equal(refused.headers.get('x-floodcontrol-remaining'), '0');
  const reset = Number(refused.headers.get('x-floodcontrol-reset'));
  const now = Date.now() / 1000;
  assert.ok(reset > now && reset <= now + 61, `reset ${reset} is within the next minute`);
  assert.equal(sim.notifications(roomId).length, 30);

  const off = await fetch(`${sim.baseUrl}/_sim/faults`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ floodControl: false }),
  });
  assert.equal(off.status, 200);
  assert.equal(sim.faults.floodControl, false);
  assert.equal((await send()).status, 204);
  sim.faults.floodControl = true;
  sim.revoke(creds.oauthId);
});

test('rate limit: headers on every response, 429 past 500 requests per token', async () => {
  const creds = await install();
  const accessToken = await token(creds);
  const first = await api('/room/100', accessToken);
  assert.equal(first.headers.get('x-ratelimit-limit'), '500');
  assert.equal(first.headers.get('x-ratelimit-remaining'), '499');
  const reset = Number(first.headers.get('x-ratelimit-reset'));
  assert.ok(reset > Date.now() / 1000 && reset <= Date.now() / 1000 + 301, `reset ${reset} is within the next 5 minutes`);
  const notFound = await api('/room/4242', accessToken);
  assert.equal(notFound.status, 404);
  assert.equal(notFound.headers.get('x-ratelimit-remaining'), '498');
  for (let i = 0; i < 498; i++) await (await api('/user/1', accessToken)).arrayBuffer();
  const limited = await api('/user/1', accessToken);
  assert.equal(limited.status, 429);
  assert.equal(limited.headers.get('x-ratelimit-remaining'), '0');
  assert.equal((await api('/user/1', await token(creds))).status, 200, 'a new token has its own budget');
  sim.revoke(creds.oauthId);
});

test('room, user, invite and member resources', async () => {
  const creds = await install();
  const accessToken = await token(creds);
  const room = (await (await api('/room/Incident%2042', accessToken)).json()) as any;
  assert.equal(room.id, 101);
  assert.equal(room.privacy, 'private');
  assert.equal(room.is_archived, false);
  assert.deepEqual(room.owner, { id: 1, name: 'Alice Admin', mention_name: 'alice' });
  assert.deepEqual(room.participants, []);
  assert.equal(room.links.self, `${sim.apiUrl}/room/101`);

  for (const ref of ['2', 'bsmith@acme.example', '@bsmith']) {
    const user = (await (await api(`/user/${encodeURIComponent(ref)}`, accessToken)).json()) as any;
    assert.equal(user.id, 2, ref);
    assert.equal(user.mention_name, 'bsmith');
    assert.equal(user.email, 'bsmith@acme.example');
    assert.equal(user.is_group_admin, false);
  }
  assert.equal(((await (await api('/user/1', accessToken)).json()) as any).is_group_admin, true);
  assert.equal((await api('/user/nobody@acme.example', accessToken)).status, 404);

  await assert.rejects(sim.enterRoom(101, 3), /not a member/);
  const invite = await api('/room/101/invite/cjones%40acme.example', accessToken, { json: { reason: 'You are on call' } });
  assert.equal(invite.status, 204);
  assert.ok(sim.state.room(101).members.has(3));
  assert.equal((await api('/room/101/invite/999', accessToken, { json: {} })).status, 404);
  assert.equal((await api('/room/999/invite/3', accessToken, { json: {} })).status, 404);

  await sim.enterRoom(101, 3);
  const members = (await (await api('/room/101/member', accessToken)).json()) as any;
  assert.deepEqual(members.items.map((user: { id: number }) => user.id).sort(), [1, 3]);
  const participants = (await (await api('/room/101/participant', accessToken)).json()) as any;
  assert.deepEqual(participants.items.map((user: { id: number }) => user.id), [3]);
  await sim.exitRoom(101, 3);
  sim.revoke(creds.oauthId);
});

test('faults: failNext with Retry-After, down/up, and the admin endpoint', async () => {
  const creds = await install();
  const accessToken = await token(creds);
  sim.faults.failNext(2, 503, { retryAfter: 7 });
  for (let i = 0; i < 2; i++) {
    const failed = await api('/room/100', accessToken);
    assert.equal(failed.status, 503);
    assert.equal(failed.headers.get('retry-after'), '7');
  }
  assert.equal((await api('/room/100', accessToken)).status, 200);

  sim.faults.down();
  const down = await fetch(sim.capabilitiesUrl);
  assert.equal(down.status, 503);
  assert.equal((await errorOf(down)).code, 503);
  sim.faults.up();
  assert.equal((await fetch(sim.capabilitiesUrl)).status, 200);

  const res = await fetch(`${sim.baseUrl}/_sim/faults`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ failNext: { count: 1, status: 500 } }),
  });
  assert.equal(res.status, 200);
  assert.equal((await api('/room/100', accessToken)).status, 500);
  assert.equal((await api('/room/100', accessToken)).status, 200);
  const invalid = await fetch(`${sim.baseUrl}/_sim/faults`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ latencyMs: -1 }),
  });
  assert.equal(invalid.status, 400);
  sim.revoke(creds.oauthId);
});

test('uninstall revokes the client before DELETE {callbackUrl}/{oauthId}', async () => {
  const creds = await install();
  const accessToken = await token(creds);
  let grantDuringDelete = 0;
  let apiDuringDelete = 0;
  addon.on('DELETE', `/installed/${creds.oauthId}`, async (_req, res) => {
    grantDuringDelete = (await grant(creds)).status;
    apiDuringDelete = (await api('/room/100', accessToken)).status;
    res.status(204).end();
  });
  const outcome = await sim.uninstall(creds.oauthId);
  assert.equal(outcome.status, 204);
  assert.equal(addon.received(`/installed/${creds.oauthId}`).length, 1);
  assert.equal(grantDuringDelete, 401);
  assert.equal(apiDuringDelete, 401);
  assert.equal(sim.installations.has(creds.oauthId), false);
});

test('signJwt and pageUrl: HS256 with the oauthSecret and the documented claims', async () => {
  const creds = await install({}, { roomId: 100 });
  const token = sim.signJwt(creds.oauthId, { userId: 2 });
  const claims = jwt.verify(token, creds.oauthSecret, { algorithms: ['HS256'] }) as jwt.JwtPayload;
  assert.equal(claims.iss, creds.oauthId);
  assert.equal(claims.sub, '2');
  assert.deepEqual(claims.context, { room_id: 100, user_tz: 'UTC' });
  assert.equal(claims.exp! - claims.iat!, 900);
  assert.match(String(claims.jti), /^[A-Za-z0-9]{20}$/);
  assert.throws(() => jwt.verify(token, 'another-secret', { algorithms: ['HS256'] }));

  const page = new URL(sim.pageUrl(creds.oauthId, `${addon.url}/configure?lang=en`, { userId: 1, roomId: 100 }));
  assert.equal(page.searchParams.get('lang'), 'en');
  const pageClaims = jwt.verify(page.searchParams.get('signed_request')!, creds.oauthSecret, { algorithms: ['HS256'] }) as jwt.JwtPayload;
  assert.equal(pageClaims.sub, '1');
  sim.revoke(creds.oauthId);
});

test('sendMessage: pattern match (case-sensitive unless (?i)), envelope, and a synchronous reply posted to the room', async () => {
  const creds = await install({
    webhook: [
      { event: 'room_message', pattern: '^/oncall\\b', url: `${addon.url}/hook/oncall`, authentication: 'jwt' },
      { event: 'room_message', pattern: '(?i)help', url: `${addon.url}/hook/help` },
    ],
  });
  addon.on('POST', '/hook/oncall', (_req, res) => {
    res.status(200).json({ message: 'Paging the on-call team', color: 'purple', message_format: 'text' });
  });

  const none = await sim.sendMessage(100, 2, 'hello /oncall');
  assert.deepEqual(none.deliveries, []);
  assert.equal((await sim.sendMessage(100, 2, '/ONCALL now')).deliveries.length, 0);
  assert.equal((await sim.sendMessage(100, 2, 'I need HELP')).deliveries.length, 1);

  const before = sim.notifications(100).length;
  const sent = await sim.sendMessage(100, 2, '/oncall db is down @cjones');
  assert.equal(sent.deliveries.length, 1);
  assert.equal(sent.deliveries[0]?.status, 200);
  const [delivery] = addon.received('/hook/oncall');
  assert.ok(delivery);
  assert.equal(delivery.body.event, 'room_message');
  assert.equal(delivery.body.oauth_client_id, creds.oauthId);
  assert.ok(Number.isInteger(delivery.body.webhook_id));
  const { message, room } = delivery.body.item;
  assert.equal(message.id, sent.messageId);
  assert.equal(message.type, 'message');
  assert.equal(message.message, '/oncall db is down @cjones');
  assert.match(message.date, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$/);
  assert.deepEqual({ ...message.from, links: undefined, version: undefined }, {
    id: 2,
    name: 'Bob Smith',
    mention_name: 'bsmith',
    links: undefined,
    version: undefined,
  });
  assert.deepEqual(message.mentions.map((user: { id: number }) => user.id), [3]);
  assert.deepEqual({ id: room.id, name: room.name, privacy: room.privacy }, { id: 100, name: 'Ops War Room', privacy: 'public' });
  const claims = jwt.verify(String(delivery.query.signed_request), creds.oauthSecret, { algorithms: ['HS256'] }) as jwt.JwtPayload;
  assert.equal(claims.sub, '2');

  const reply = sim.notifications(100).slice(before);
  assert.equal(reply.length, 1);
  assert.equal(reply[0]?.message, 'Paging the on-call team');
  assert.equal(reply[0]?.color, 'purple');
  assert.deepEqual(reply[0]?.sender, { type: 'addon', oauthId: creds.oauthId });

  const [help] = addon.received('/hook/help');
  assert.equal(help?.query.signed_request, undefined, 'authentication none sends no JWT');
  assert.equal(help?.headers.authorization, undefined);
  sim.revoke(creds.oauthId);
});

test('enterRoom delivers room_enter with signed_request; room installs only hear their room', async () => {
  const global = await install({ webhook: [{ event: 'room_enter', url: `${addon.url}/hook/enter`, authentication: 'jwt' }] });
  const inRoom = await install(
    { webhook: [{ event: 'room_enter', url: `${addon.url}/hook/enter-room`, authentication: 'jwt' }] },
    { roomId: 101 },
  );
  const deliveries = await sim.enterRoom(100, 4);
  assert.deepEqual(deliveries.map((d) => [new URL(d.url).pathname, d.status]), [['/hook/enter', 204]]);
  const [entered] = addon.received('/hook/enter');
  assert.ok(entered);
  assert.equal(entered.body.event, 'room_enter');
  assert.deepEqual(entered.body.item.sender, { id: 4, name: 'Dan Brown', mention_name: 'dbrown' });
  assert.equal(entered.body.item.room.id, 100);
  const claims = jwt.verify(String(entered.query.signed_request), global.oauthSecret, { algorithms: ['HS256'] }) as jwt.JwtPayload;
  assert.equal(claims.iss, global.oauthId);
  assert.equal(claims.sub, '4');
  assert.equal((claims.context as { room_id: number }).room_id, 100);

  assert.equal((await sim.enterRoom(101, 1)).length, 2);
  assert.equal(addon.received('/hook/enter-room').length, 1);
  await sim.exitRoom(100, 4);
  await sim.exitRoom(101, 1);
  sim.revoke(global.oauthId);
  sim.revoke(inRoom.oauthId);
});

test('room events: topic change, archive, notifications announced to room_notification webhooks', async () => {
  const creds = await install({
    webhook: [
      { event: 'room_topic_change', url: `${addon.url}/hook/topic` },
      { event: 'room_archived', url: `${addon.url}/hook/archived` },
      { event: 'room_notification', url: `${addon.url}/hook/notification` },
    ],
  });
  await sim.setTopic(102, 2, 'Lunch at noon');
  assert.equal(addon.received('/hook/topic')[0]?.body.item.topic, 'Lunch at noon');
  assert.equal(sim.state.room(102).topic, 'Lunch at noon');

  const accessToken = await token(creds);
  assert.equal((await api('/room/102/notification', accessToken, { json: { message: 'notice', from: 'Bot' } })).status, 204);
  await eventually(() => addon.received('/hook/notification').length === 1, 'room_notification');
  const notified = addon.received('/hook/notification')[0]?.body.item.message;
  assert.equal(notified.from, 'Bot');
  assert.equal(notified.message, 'notice');

  await sim.archiveRoom(102, 1);
  assert.equal(addon.received('/hook/archived')[0]?.body.item.room.is_archived, true);
  const refused = await api('/room/102/notification', accessToken, { json: { message: 'late' } });
  assert.equal(refused.status, 403);
  await sim.unarchiveRoom(102, 1);
  sim.revoke(creds.oauthId);
});
