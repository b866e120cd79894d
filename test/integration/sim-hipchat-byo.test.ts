import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import request from 'supertest';
import { startHipChatSim, type HipChatSim } from '../../sim/hipchat/server';
import { api, errorOf } from './sim-hipchat-probe';

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../fixtures/hipchat/${name}`, import.meta.url), 'utf8'));
const sumo = fixture('sumo-logic-connection.json') as { headers: Record<string, string>; payload: Record<string, unknown> };
const splunk = fixture('splunk-on-call-outgoing-webhook.json') as { payload: Record<string, unknown> };

const as = (userId: number) => ({ Cookie: `hipchat_sim_user=${userId}` });

let sim: HipChatSim;

before(async () => {
  sim = await startHipChatSim();
});

after(async () => {
  await sim.close();
});

function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) });
}

test('a Sumo Logic-style post (custom headers, an Authorization header it does not need) reaches the room from the integration', async () => {
  const { roomId } = await sim.createRoom({ name: 'Sumo alerts', ownerId: 1 });
  const created = sim.createRoomIntegration(roomId, 'Sumo Logic');
  assert.match(created.url, new RegExp(`^${sim.apiUrl}/room/${roomId}/notification\\?auth_token=[A-Za-z0-9]{40}$`));
  const res = await post(created.url, sumo.payload, sumo.headers);
  assert.equal(res.status, 204, await res.text());
  const [stored] = sim.notifications(roomId);
  assert.deepEqual(
    { ...stored, id: undefined, date: undefined },
    {
      id: undefined,
      date: undefined,
      from: '',
      sender: { type: 'integration', integrationId: created.integration.id, name: 'Sumo Logic' },
      color: 'red',
      message_format: 'html',
      message: sumo.payload.message,
      notify: true,
    },
  );
  const feed = await request(sim.baseUrl).get(`/chat/room/${roomId}/feed`).set(as(1));
  assert.equal(feed.status, 200);
  const [item] = feed.body.items as { html: string }[];
  assert.match(item?.html ?? '', /<span class="item-from">Sumo Logic<\/span>/);
  assert.match(item?.html ?? '', /<b>Payments 5xx spike<\/b>/);
});

test('a Splunk On-Call-style outgoing webhook post (seed 001 payload) reaches the room as text', async () => {
  const { roomId } = await sim.createRoom({ name: 'Splunk alerts', ownerId: 2 });
  const created = sim.createRoomIntegration(roomId, 'Splunk On-Call', 2);
  assert.equal((await post(created.url, splunk.payload)).status, 204);
  const [stored] = sim.notifications(roomId);
  assert.equal(stored?.message, 'db01.prod: disk usage above 95%');
  assert.equal(stored?.message_format, 'text');
  assert.equal(stored?.color, 'red');
  assert.equal(stored?.notify, true);
});

test('a room notification token is refused for another room and for everything but notifications; nothing is stored', async () => {
  const { roomId } = await sim.createRoom({ name: 'Token room', ownerId: 1 });
  const { token } = sim.createRoomIntegration(roomId, 'Room only');
  const before = sim.notifications(102).length;
  const elsewhere = await fetch(`${sim.apiUrl}/room/102/notification?auth_token=${token}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ message: 'wrong room' }),
  });
  assert.equal(elsewhere.status, 403);
  assert.deepEqual(await errorOf(elsewhere), {
    code: 403,
    message: `This token is limited to room ${roomId} and cannot be used for room 102`,
    type: 'Forbidden',
  });
  assert.equal(sim.notifications(102).length, before);
  assert.equal(sim.notifications(roomId).length, 0);

  const view = await api(sim, `/room/${roomId}`, token);
  assert.equal(view.status, 403);
  assert.equal((await errorOf(view)).message, "This action requires one of the following scopes: [u'view_group', u'view_room']");
  const history = await api(sim, `/room/${roomId}/history`, token);
  assert.equal((await errorOf(history)).message, "This action requires one of the following scopes: [u'view_messages']");
  const webhook = await api(sim, `/room/${roomId}/webhook`, token, { json: { url: 'http://127.0.0.1:1/x', event: 'room_message' } });
  assert.equal(webhook.status, 403);
});

test('from labels: 64 characters are accepted, 65 refused with nothing stored', async () => {
  const { roomId } = await sim.createRoom({ name: 'Labels', ownerId: 1 });
  const { url } = sim.createRoomIntegration(roomId, 'Labels');
  assert.equal((await post(url, { message: 'ok', from: 'f'.repeat(64) })).status, 204);
  const refused = await post(url, { message: 'too long', from: 'f'.repeat(65) });
  assert.equal(refused.status, 400);
  assert.equal((await errorOf(refused)).message, 'from must be at most 64 characters');
  assert.deepEqual(sim.notifications(roomId).map((n) => n.from), ['f'.repeat(64)]);
});

test('a deleted integration’s URL answers 401 Invalid OAuth session and posts nothing', async () => {
  const { roomId } = await sim.createRoom({ name: 'Deleted', ownerId: 1 });
  const created = sim.createRoomIntegration(roomId, 'Short-lived');
  sim.deleteRoomIntegration(created.integration.id);
  const res = await post(created.url, { message: 'still there?' });
  assert.equal(res.status, 401);
  assert.deepEqual(await errorOf(res), { code: 401, message: 'Invalid OAuth session', type: 'Unauthorized' });
  assert.equal(sim.notifications(roomId).length, 0);
  assert.throws(() => sim.deleteRoomIntegration(created.integration.id), /no integration/);
});

test('Integrations page: a room owner builds one, sees the URL once, the list shows only a hint; deleting stops the token', async () => {
  const ui = request(sim.baseUrl);
  const panel = await ui.get('/addons').set(as(2));
  assert.match(panel.text, /Build your own integration/);
  assert.match(panel.text, /<option value="102"[^>]*>Random<\/option>/, 'Bob owns Random');
  assert.doesNotMatch(panel.text, /<option value="100"/, 'and not Ops War Room');

  const refused = await ui.post('/addons/byo').set(as(2)).type('form').send({ roomId: '100', name: 'Not mine' });
  assert.equal(refused.status, 403);
  const unnamed = await ui.post('/addons/byo').set(as(2)).type('form').send({ roomId: '102', name: '  ' });
  assert.equal(unnamed.status, 400);
  assert.doesNotMatch((await ui.get('/addons').set(as(2))).text, /Not mine/);

  const created = await ui.post('/addons/byo').set(as(2)).type('form').send({ roomId: '102', name: 'Deploy bot' });
  assert.equal(created.status, 200);
  assert.equal(created.headers['cache-control'], 'no-store');
  assert.match(created.text, /Send messages to this room by posting to this URL/);
  const url = /<code class="wrap" id="byo-url">([^<]+)<\/code>/.exec(created.text)?.[1]?.replaceAll('&amp;', '&');
  assert.ok(url, 'the page shows the URL');
  assert.ok(url.startsWith(`${sim.apiUrl}/room/102/notification?auth_token=`), url);
  const token = new URL(url).searchParams.get('auth_token')!;

  const listed = await ui.get('/addons').set(as(1));
  assert.match(listed.text, /Deploy bot/);
  assert.match(listed.text, new RegExp(`Token …${token.slice(-4)}`));
  assert.equal(listed.text.includes(token), false, 'the token is shown only once');
  const row = listed.text.split('data-integration-id="').find((part) => part.includes('<h3>Deploy bot</h3>'));
  const id = /^\d+/.exec(row ?? '')?.[0];
  assert.ok(id);

  assert.equal((await post(url, { message: 'deployed' })).status, 204);
  assert.equal((await ui.post(`/addons/byo/${id}/delete`).set(as(3))).status, 403, 'Carol owns nothing');
  assert.equal((await post(url, { message: 'still works' })).status, 204);
  const deleted = await ui.post(`/addons/byo/${id}/delete`).set(as(2));
  assert.equal(deleted.status, 303);
  assert.equal((await post(url, { message: 'gone' })).status, 401);
  assert.deepEqual(sim.notifications(102).filter((n) => n.sender.type === 'integration').map((n) => n.message), ['deployed', 'still works']);
});
