import assert from 'node:assert/strict';
import jwt from 'jsonwebtoken';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { createInvite } from '../../lib/invites/service';
import { listJobs } from '../../lib/store/jobs';
import { findInvite, listRecipients, upsertRecipient } from '../../lib/store/invites';
import { installAndConfigure, startWorld, type ConfiguredInstallation, type World } from '../helpers/world';
import { waitFor } from '../helpers/wait';

/**
 * Room webhooks as the HipChat simulator delivers them: HipChat-shaped items, JWTs signed with the
 * installation's secret in `signed_request`, and the synchronous reply posted to the room.
 */
let world: World;
let install: ConfiguredInstallation;

before(async () => {
  world = await startWorld({ worker: { pollMs: 50 } });
  install = await installAndConfigure(world); // global: every room of the group
});
after(() => world.close());

const texts = (roomId: number) => world.hipchat.notifications(roomId).map((n) => n.message);
const lastText = (roomId: number) => texts(roomId).at(-1) ?? '';

async function say(roomId: number, text: string, userId = 1) {
  const { deliveries } = await world.hipchat.sendMessage(roomId, userId, text);
  const ours = deliveries.filter((d) => d.url.startsWith(world.addon.baseUrl));
  return ours;
}

async function invite(roomId: number, targetName: string, type: 'PERSON' | 'GROUP' = 'PERSON') {
  const { inviteId } = await createInvite(world.addon.addon.inviteDeps, {
    installationId: install.oauthId,
    roomId,
    roomName: null,
    inviterId: '1',
    inviterName: 'Alice Admin',
    inviterMention: 'alice',
    description: 'Checkout is failing',
    idempotencyKey: null,
    recipients: [{ targetName, recipientType: type, displayName: targetName }],
  });
  return inviteId;
}

describe('/oncall', () => {
  test('help, and anything unknown gets the help', async () => {
    const [delivery] = await say(102, '/oncall help');
    assert.equal(delivery?.status, 200);
    assert.match(lastText(102), /^\/oncall invite <person or group> <description>/);
    await say(102, '/oncall frobnicate');
    assert.match(lastText(102), /\/oncall status/);
  });

  test('a message that does not match the pattern is not delivered', async () => {
    assert.equal((await say(102, 'hello /oncall')).length, 0);
    assert.equal((await say(102, '/oncallx status')).length, 0);
  });

  test('invite by exact name: the invite is created and sent to xMatters', async () => {
    await say(102, '/oncall invite Database The payments DB is read-only', 2);
    assert.equal(lastText(102), 'Inviting Database (group) through xMatters. Their answer will appear here.');
    await waitFor(() => world.xmatters.events.some((e) => e.properties.description === 'The payments DB is read-only'), 'xMatters has the event');
    const event = world.xmatters.events.find((e) => e.properties.description === 'The payments DB is read-only')!;
    assert.equal(event.properties.inviter_name, 'Bob Smith');
    assert.equal(event.properties.inviter_mention, 'bsmith');
    assert.equal(event.properties.room_id, '102');
    assert.equal(event.properties.room_name, 'Random');
  });

  test('a quoted name with spaces', async () => {
    await say(102, '/oncall invite "Database Admins" Disk full on db-3');
    assert.equal(lastText(102), 'Inviting Database Admins (group) through xMatters. Their answer will appear here.');
  });

  test('an ambiguous name lists the candidates; an unknown one says so', async () => {
    await say(102, '/oncall invite data Something broke');
    const reply = world.hipchat.notifications(102).at(-1)!;
    assert.match(reply.message, /^"data" matches several xMatters users or groups/);
    assert.match(reply.message, /Database — Database \(group\)/);
    assert.match(reply.message, /Database Admins — Database Admins \(group\)/);
    assert.equal(reply.color, 'yellow');
    await say(102, '/oncall invite zzqqxx Something broke');
    assert.equal(lastText(102), 'No xMatters user or group matches "zzqqxx".');
    await say(102, '/oncall invite bsmith');
    assert.match(lastText(102), /^Say who to invite and why/);
  });

  test('status lists the room\'s invites with each recipient\'s state', async () => {
    const inviteId = await invite(100, 'bsmith');
    await upsertRecipient(world.addon.addon.db, inviteId, 'bsmith', { state: 'accepted', lastResponse: 'Accept' });
    await say(100, '/oncall status');
    const reply = lastText(100);
    assert.match(reply, new RegExp(`Alice Admin, \\d+ min ago: "Checkout is failing" \\(invite ${inviteId.slice(0, 8)}\\)`));
    assert.match(reply, /\n  bsmith: accepted/);
  });

  test('the same message delivered twice makes one invite', async () => {
    const before = (await world.addon.addon.db('invites').count({ n: '*' }))[0]!.n;
    const { messageId } = await world.hipchat.sendMessage(100, 1, '/oncall invite bsmith Once only please');
    // HipChat retrying the same delivery: same message id, freshly signed.
    const body = {
      event: 'room_message',
      oauth_client_id: install.oauthId,
      webhook_id: 1,
      item: { message: { id: messageId, message: '/oncall invite bsmith Once only please', from: { id: 1, name: 'Alice Admin', mention_name: 'alice' }, type: 'message', mentions: [] }, room: { id: 100, name: 'Ops War Room' } },
    };
    const token = world.hipchat.signJwt(install.oauthId, { userId: 1, roomId: 100 });
    const again = await request(world.addon.addon.app).post(`/webhooks/room_message?signed_request=${token}`).send(body);
    assert.equal(again.status, 204, 'the duplicate is acknowledged and ignored');
    const after = (await world.addon.addon.db('invites').count({ n: '*' }))[0]!.n;
    assert.equal(Number(after) - Number(before), 1);
  });
});

describe('room events', () => {
  test('room_enter: an accepted responder is marked joined and the room is told', async () => {
    const inviteId = await invite(100, 'bsmith');
    await upsertRecipient(world.addon.addon.db, inviteId, 'bsmith', { state: 'accepted', hipchatUserId: '2', hipchatMention: 'bsmith' });
    const [delivery] = (await world.hipchat.enterRoom(100, 2)).filter((d) => d.url.startsWith(world.addon.baseUrl));
    assert.equal(delivery?.status, 204);
    await waitFor(() => texts(100).some((t) => t.startsWith('Bob Smith joined,') && t.includes(inviteId.slice(0, 8))), 'the room is told');
    assert.match(texts(100).find((t) => t.includes(inviteId.slice(0, 8)) && t.includes('joined'))!, /joined, less than a minute after the invite/);
    assert.equal((await listRecipients(world.addon.addon.db, inviteId))[0]?.state, 'joined');
    // Entering again changes nothing.
    await world.hipchat.exitRoom(100, 2);
    await world.hipchat.enterRoom(100, 2);
    await world.addon.addon.worker.runOnce();
    assert.equal(texts(100).filter((t) => t.includes(inviteId.slice(0, 8)) && t.includes('joined')).length, 1);
  });

  test('someone who was not invited entering changes nothing', async () => {
    const [delivery] = (await world.hipchat.enterRoom(100, 4)).filter((d) => d.url.startsWith(world.addon.baseUrl));
    assert.equal(delivery?.status, 204);
    await world.addon.addon.worker.runOnce();
    assert.ok(!texts(100).some((t) => t.startsWith('Dan Brown joined')));
  });

  test('archived room: notices wait, and are delivered after it is unarchived', async () => {
    const { roomId } = await world.hipchat.createRoom({ name: 'Archive me', ownerId: 1 });
    await world.hipchat.archiveRoom(roomId, 1);
    const inviteId = await invite(roomId, 'bsmith');
    await waitFor(async () => (await findInvite(world.addon.addon.db, inviteId))?.state === 'sent', 'the xMatters trigger is not held back');
    await new Promise((resolve) => setTimeout(resolve, 300));
    await world.addon.addon.worker.runOnce();
    assert.equal(texts(roomId).length, 0, 'nothing is posted to the archived room');
    const waiting = (await listJobs(world.addon.addon.db, { state: 'pending' })).filter((j) => j.roomId === roomId);
    assert.equal(waiting.length, 1, 'the invite notice waits');
    await world.hipchat.unarchiveRoom(roomId, 1);
    await waitFor(() => texts(roomId).some((t) => t.includes(inviteId.slice(0, 8))), 'delivered after unarchive');
  });

  test('room_deleted: the room\'s invites and pending jobs are removed', async () => {
    const { roomId } = await world.hipchat.createRoom({ name: 'Delete me', ownerId: 1 });
    await world.hipchat.archiveRoom(roomId, 1); // keeps its notice pending
    const inviteId = await invite(roomId, 'bsmith');
    await waitFor(async () => (await findInvite(world.addon.addon.db, inviteId))?.state === 'sent', 'sent');
    await world.hipchat.deleteRoom(roomId, 1);
    assert.equal(await findInvite(world.addon.addon.db, inviteId), undefined);
    assert.equal((await listJobs(world.addon.addon.db)).filter((j) => j.roomId === roomId && j.state === 'pending').length, 0);
  });

  test('every event the descriptor declares is accepted with HipChat\'s JWT; a bad JWT is refused', async () => {
    const events = ['room_message', 'room_enter', 'room_archived', 'room_unarchived', 'room_deleted'];
    for (const event of events) {
      const body = { event, oauth_client_id: install.oauthId, webhook_id: 7, item: { room: { id: 102, name: 'Random' }, sender: { id: 4, name: 'Dan Brown', mention_name: 'dbrown' }, message: { id: `m-${event}`, message: '/oncall help', from: { id: 4, name: 'Dan Brown', mention_name: 'dbrown' } } } };
      const token = world.hipchat.signJwt(install.oauthId, { userId: 4, roomId: 102 });
      const ok = await request(world.addon.addon.app).post(`/webhooks/${event}?signed_request=${token}`).send(body);
      assert.ok(ok.status === 200 || ok.status === 204, `${event}: ${ok.status}`);
      const forged = jwt.sign({ iss: install.oauthId, sub: '4', exp: Math.floor(Date.now() / 1000) + 60 }, 'not-the-secret');
      const refused = await request(world.addon.addon.app).post(`/webhooks/${event}?signed_request=${forged}`).send(body);
      assert.equal(refused.status, 401, event);
    }
    await world.hipchat.unarchiveRoom(102, 1);
  });

  test('a malformed envelope is refused with the reason', async () => {
    const token = world.hipchat.signJwt(install.oauthId, { userId: 1, roomId: 100 });
    const res = await request(world.addon.addon.app).post(`/webhooks/room_enter?signed_request=${token}`).send({ event: 'room_enter', item: {} });
    assert.equal(res.status, 400);
    assert.match(res.body.error.message, /room/);
  });
});
