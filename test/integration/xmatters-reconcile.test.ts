import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import request from 'supertest';
import { findInvite } from '../../lib/store/invites';
import { listJobs } from '../../lib/store/jobs';
import { freePort } from '../helpers/process';
import { installAndConfigure, startWorld, type ConfiguredInstallation, type World } from '../helpers/world';
import { waitFor } from '../helpers/wait';

/**
 * Responses read back from xMatters ("Get user delivery data", GET /events/{id}/user-deliveries, E17):
 * one xMatters could not deliver to the add-on's callback URL still reaches the room, and one that came
 * by webhook and is read back as well is told once. The read-back runs every second here
 * (XMATTERS_RECONCILE_SECONDS=1).
 */
let world: World;
let install: ConfiguredInstallation;

before(async () => {
  world = await startWorld({ worker: { pollMs: 50, backoffBaseMs: 100, backoffMaxMs: 500 } }, { XMATTERS_EVENT_CONFIRM_SECONDS: '5', XMATTERS_RECONCILE_SECONDS: '1' });
  install = await installAndConfigure(world);
});
after(() => world.close());

const db = () => world.addon.addon.db;
let room = 0;
let rooms = 0;
beforeEach(async () => {
  room = (await world.hipchat.createRoom({ name: `Read-back ${++rooms}`, ownerId: 1 })).roomId;
  world.xmatters.setOutboundUrl(install.callback.url, { username: install.callback.username, password: install.callback.password });
});
const ref = (inviteId: string) => `invite ${inviteId.slice(0, 8)}`;
const answersTold = (inviteId: string) => world.hipchat.notifications(room).filter((n) => n.message.includes(ref(inviteId)) && n.message.includes('accepted'));
const readBacksDone = async (inviteId: string) => (await listJobs(db(), { kind: 'xmatters.reconcile', state: 'done' })).filter((j) => (j.payload as { inviteId: string }).inviteId === inviteId).length;

async function confirmedInvite(): Promise<{ inviteId: string; eventIdentifier: number }> {
  const token = world.hipchat.signJwt(install.oauthId, { userId: 1, roomId: room });
  const res = await request(world.addon.addon.app)
    .post('/invite/api/invites')
    .set('Authorization', `JWT ${token}`)
    .send({ recipients: [{ targetName: 'bsmith', type: 'PERSON', displayName: 'bsmith' }], description: 'Checkout is failing', idempotencyKey: `key-${Math.random().toString(36).slice(2, 12)}` });
  assert.equal(res.status, 202, res.text);
  const inviteId = res.body.inviteId as string;
  await waitFor(async () => (await findInvite(db(), inviteId))?.state === 'confirmed', 'the invite\'s event is confirmed', 15_000);
  return { inviteId, eventIdentifier: (await findInvite(db(), inviteId))!.eventIdentifier! };
}

test('a response xMatters could not deliver to the add-on (its callback URL unreachable) is read back and told in the room', async () => {
  const { inviteId, eventIdentifier } = await confirmedInvite();
  // The outbound integration now points at a port nobody listens on: every webhook attempt fails.
  const closed = `http://127.0.0.1:${await freePort()}/xmatters/callbacks`;
  world.xmatters.setOutboundUrl(closed, { username: install.callback.username, password: install.callback.password });
  world.xmatters.respond(eventIdentifier, 'bsmith', 'Accept', 'from the train');
  await waitFor(() => answersTold(inviteId).length > 0, 'the answer is told in the room', 20_000);
  const toClosed = world.xmatters.deliveries.filter((d) => d.url.startsWith(closed) && d.kind === 'RESPONSE');
  assert.ok(toClosed.length > 0 && toClosed.every((d) => !d.ok), 'the webhook never reached the add-on');
  assert.ok(!world.xmatters.deliveries.some((d) => d.ok && d.kind === 'RESPONSE' && JSON.stringify(d.payload).includes(inviteId)), 'no response webhook for this invite reached the add-on');
  assert.match(answersTold(inviteId)[0]!.message, /from the train/);
  // Later read-backs see the same response again and change nothing.
  const seen = await readBacksDone(inviteId);
  await waitFor(async () => (await readBacksDone(inviteId)) >= seen + 2, 'two more read-backs ran', 20_000);
  assert.equal(answersTold(inviteId).length, 1, 'told once');
});

test('a response that came by webhook and is read back too is told once', async () => {
  const { inviteId, eventIdentifier } = await confirmedInvite();
  world.xmatters.respond(eventIdentifier, 'bsmith', 'Accept', 'on my way');
  await waitFor(() => world.xmatters.deliveries.some((d) => d.ok && d.kind === 'RESPONSE' && JSON.stringify(d.payload).includes(inviteId)), 'the webhook reached the add-on', 20_000);
  await waitFor(() => answersTold(inviteId).length > 0, 'the answer is told in the room', 20_000);
  const seen = await readBacksDone(inviteId);
  await waitFor(async () => (await readBacksDone(inviteId)) >= seen + 2, 'two read-backs ran after the webhook', 20_000);
  assert.equal(answersTold(inviteId).length, 1, 'told once');
});
