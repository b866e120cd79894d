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
  world = await startWorld({ worker: { pollMs: 50, backoffBaseMs: 100, backoffMaxMs: 500 } });
  install = await installAndConfigure(world); // global: every room of the group
});
after(() => world.close());

const app = () => world.addon.addon.app;
const db = () => world.addon.addon.db;
const texts = (roomId: number) => world.hipchat.notifications(roomId).map((n) => n.message);
const lastText = (roomId: number) => texts(roomId).at(-1) ?? '';
const inviteCount = async () => Number((await db()('invites').count({ n: '*' }))[0]!.n);

async function say(roomId: number, text: string, userId = 1) {
  const { deliveries } = await world.hipchat.sendMessage(roomId, userId, text);
  return deliveries.filter((d) => d.url.startsWith(world.addon.baseUrl));
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

/** A webhook body as HipChat sends it (docs/hipchat-connect.md §7). */
function envelope(event: string, roomId: number, user: { id: number; name: string; mention_name: string }, message?: { id: string; text: string }) {
  return {
    event,
    oauth_client_id: install.oauthId,
    webhook_id: 7,
    item: {
      room: { id: roomId, name: `Room ${roomId}` },
      sender: user,
      ...(message ? { message: { id: message.id, message: message.text, from: user, type: 'message', mentions: [] } } : {}),
    },
  };
}
const ALICE = { id: 1, name: 'Alice Admin', mention_name: 'alice' };
const DAN = { id: 4, name: 'Dan Brown', mention_name: 'dbrown' };

describe('/oncall', () => {
  test('help, and anything unknown gets the help', async () => {
    const [delivery] = await say(102, '/oncall help');
    assert.equal(delivery?.status, 200);
    assert.match(lastText(102), /^\/oncall invite <person or group> <description>/);
    await say(102, '/oncall frobnicate');
    assert.match(lastText(102), /\/oncall status/);
  });

  test('a message that is not a command is acknowledged with no answer, and changes nothing in a room without an active invite', async () => {
    const jobsBefore = (await listJobs(db())).length;
    for (const text of ['hello /oncall', '/oncallx status']) {
      const [delivery] = await say(102, text);
      assert.equal(delivery?.status, 204, text);
    }
    assert.equal((await listJobs(db())).length, jobsBefore);
  });

  test('invite by exact name: answered at once, looked up in the queue, then invited and sent to xMatters', async () => {
    await say(102, '/oncall invite Database The payments DB is read-only', 2);
    assert.equal(lastText(102), 'Looking up "Database" in xMatters…');
    await waitFor(() => texts(102).includes('Inviting Database (group) through xMatters. Their answer will appear here.'), 'the result of the lookup is posted');
    await waitFor(() => world.xmatters.events.some((e) => e.properties.description === 'The payments DB is read-only'), 'xMatters has the event');
    const event = world.xmatters.events.find((e) => e.properties.description === 'The payments DB is read-only')!;
    assert.equal(event.properties.inviter_name, 'Bob Smith');
    assert.equal(event.properties.inviter_mention, 'bsmith');
    assert.equal(event.properties.room_id, '102');
    assert.equal(event.properties.room_name, 'Random');
  });

  test('the xMatters lookup does not run inside HipChat\'s request', async () => {
    world.xmatters.faults.latencyMs = 1500;
    try {
      const before = await inviteCount();
      const searchesBefore = world.xmatters.requests.filter((r) => r.path === '/api/xm/1/groups').length;
      const [delivery] = await say(102, '/oncall invite "Database Admins" Slow lookup');
      assert.equal(delivery?.status, 200);
      assert.match(delivery!.body, /Looking up \\"Database Admins\\" in xMatters/);
      // When HipChat has its answer, no invite exists yet: the lookup is still waiting for xMatters.
      assert.equal(await inviteCount(), before);
      await waitFor(async () => (await inviteCount()) === before + 1, 'the queued lookup makes the invite', 15_000);
      assert.ok(world.xmatters.requests.filter((r) => r.path === '/api/xm/1/groups').length > searchesBefore);
    } finally {
      world.xmatters.faults.latencyMs = 0;
    }
  });

  test('a command typed while xMatters is down is not lost: it runs once xMatters is back', async () => {
    world.xmatters.faults.down();
    const before = await inviteCount();
    try {
      await say(100, '/oncall invite bsmith Written during an outage');
      assert.equal(lastText(100), 'Looking up "bsmith" in xMatters…');
      await waitFor(async () => (await listJobs(db(), { kind: 'oncall.invite' })).some((j) => j.attempts >= 1 && j.state === 'pending'), 'the lookup failed once and waits to be retried');
    } finally {
      world.xmatters.faults.up();
    }
    await waitFor(async () => (await inviteCount()) === before + 1, 'the invite is made after the outage', 15_000);
    await waitFor(() => texts(100).includes('Inviting Bob Smith (bsmith) through xMatters. Their answer will appear here.'), 'the room is told');
  });

  test('a quoted name with spaces', async () => {
    // An earlier test invited the same group, and the invite's own notice may follow the reply: count the replies.
    const confirmation = 'Inviting Database Admins (group) through xMatters. Their answer will appear here.';
    const before = texts(102).filter((t) => t === confirmation).length;
    await say(102, '/oncall invite "Database Admins" Disk full on db-3');
    await waitFor(() => texts(102).filter((t) => t === confirmation).length === before + 1, 'the invite is confirmed');
  });

  test('an ambiguous name lists the candidates; an unknown one says so; a missing description asks for one', async () => {
    await say(102, '/oncall invite data Something broke');
    await waitFor(() => /^"data" matches several xMatters users or groups/.test(lastText(102)), 'the candidates are listed');
    const reply = world.hipchat.notifications(102).at(-1)!;
    assert.match(reply.message, /Database — Database \(group\)/);
    assert.match(reply.message, /Database Admins — Database Admins \(group\)/);
    assert.equal(reply.color, 'yellow');
    await say(102, '/oncall invite zzqqxx Something broke');
    await waitFor(() => lastText(102) === 'No xMatters user or group matches "zzqqxx".', 'no match is said');
    const before = await inviteCount();
    await say(102, '/oncall invite bsmith');
    assert.match(lastText(102), /^Say who to invite and why/);
    assert.equal(await inviteCount(), before);
  });

  test('a one-character name is refused as the "+" dialog refuses it, and nothing is looked up', async () => {
    const searches = world.xmatters.requests.length;
    await say(102, '/oncall invite b Please come');
    assert.equal(lastText(102), 'Type at least 2 characters of the name to look up, as in the "+" dialog.');
    assert.equal(world.xmatters.requests.length, searches);
    assert.equal((await listJobs(db(), { kind: 'oncall.invite' })).filter((j) => (j.payload as { name: string }).name === 'b').length, 0);
  });

  test('a lone surrogate in the command is a clear refusal, not a 500', async () => {
    const before = await inviteCount();
    const body = envelope('room_message', 102, ALICE, { id: 'surrogate-1', text: '/oncall invite \ud800bob Please join' });
    const token = world.hipchat.signJwt(install.oauthId, { userId: 1, roomId: 102 });
    const res = await request(app()).post(`/webhooks/room_message?signed_request=${token}`).send(body);
    assert.equal(res.status, 200);
    assert.match(res.body.message, /broken or control character/);
    assert.equal(await inviteCount(), before);
  });

  test('status lists the room\'s invites with each recipient\'s state', async () => {
    const inviteId = await invite(100, 'bsmith');
    await upsertRecipient(db(), inviteId, 'bsmith', { state: 'accepted', lastResponse: 'Accept' });
    await say(100, '/oncall status');
    const reply = lastText(100);
    assert.match(reply, new RegExp(`Alice Admin, \\d+ min ago: "Checkout is failing" \\(invite ${inviteId.slice(0, 8)}\\)`));
    assert.match(reply, /\n {2}bsmith: accepted/);
  });

  test('the same message delivered twice makes one invite and one lookup', async () => {
    const before = await inviteCount();
    const { messageId } = await world.hipchat.sendMessage(100, 1, '/oncall invite bsmith Once only please');
    // HipChat retrying the same delivery: same message id, freshly signed.
    const body = envelope('room_message', 100, ALICE, { id: messageId, text: '/oncall invite bsmith Once only please' });
    const token = world.hipchat.signJwt(install.oauthId, { userId: 1, roomId: 100 });
    const again = await request(app()).post(`/webhooks/room_message?signed_request=${token}`).send(body);
    assert.equal(again.status, 204, 'the duplicate is acknowledged and ignored');
    await waitFor(async () => (await inviteCount()) === before + 1, 'the invite is made');
    const lookups = (await listJobs(db(), { kind: 'oncall.invite' })).filter((j) => (j.payload as { messageId: string }).messageId === messageId);
    assert.equal(lookups.length, 1);
    await waitFor(async () => (await listJobs(db(), { kind: 'oncall.invite' })).every((j) => j.state === 'done' || j.state === 'failed'), 'the lookups settle');
    assert.equal(await inviteCount(), before + 1);
  });
});

describe('room events', () => {
  test('room_enter: an accepted responder is marked joined and the room is told', async () => {
    const inviteId = await invite(100, 'bsmith');
    await upsertRecipient(db(), inviteId, 'bsmith', { state: 'accepted', hipchatUserId: '2', hipchatMention: 'bsmith' });
    // What the response job does once it has matched the responder to a HipChat user.
    await world.addon.addon.inviteDeps.joins.roomChanged(install.oauthId, 100);
    const [delivery] = (await world.hipchat.enterRoom(100, 2)).filter((d) => d.url.startsWith(world.addon.baseUrl));
    assert.equal(delivery?.status, 204);
    await waitFor(() => texts(100).some((t) => t.startsWith('Bob Smith joined,') && t.includes(inviteId.slice(0, 8))), 'the room is told');
    assert.match(texts(100).find((t) => t.includes(inviteId.slice(0, 8)) && t.includes('joined'))!, /joined, less than a minute after the invite/);
    assert.equal((await listRecipients(db(), inviteId))[0]?.state, 'joined');
    // Entering again changes nothing: no second notice job is written.
    await world.hipchat.exitRoom(100, 2);
    await world.hipchat.enterRoom(100, 2);
    const joinedNotices = (await listJobs(db(), { kind: 'room.notice' })).filter((j) => JSON.stringify(j.payload).includes(`joined, `) && JSON.stringify(j.payload).includes(inviteId.slice(0, 8)));
    assert.equal(joinedNotices.length, 1);
  });

  test('someone who was not invited entering changes nothing', async () => {
    // The last test's invite is quiet: xMatters' delivery updates (each queueing a glance update) are in.
    await world.xmatters.idle();
    const jobsBefore = (await listJobs(db())).length;
    const [delivery] = (await world.hipchat.enterRoom(100, 4)).filter((d) => d.url.startsWith(world.addon.baseUrl));
    assert.equal(delivery?.status, 204);
    assert.equal((await listJobs(db())).length, jobsBefore);
  });

  test('archived room: notices wait, and are delivered after it is unarchived', async () => {
    const { roomId } = await world.hipchat.createRoom({ name: 'Archive me', ownerId: 1 });
    await world.hipchat.archiveRoom(roomId, 1);
    assert.equal((await db()('rooms').where({ installation_id: install.oauthId, room_id: roomId }).first())?.archived ? true : false, true, 'the archive is recorded');
    const inviteId = await invite(roomId, 'bsmith');
    await waitFor(async () => (await findInvite(db(), inviteId))?.state === 'sent', 'the xMatters trigger is not held back');
    // Every job that can run has run; the room's notice was never claimed.
    await world.addon.addon.worker.runOnce();
    const waiting = (await listJobs(db(), { state: 'pending', kind: 'room.notice' })).filter((j) => j.roomId === roomId);
    assert.equal(waiting.length, 1, 'the invite notice waits');
    assert.equal(waiting[0]!.attempts, 0, 'it was never tried');
    assert.equal(texts(roomId).length, 0, 'nothing is posted to the archived room');
    await world.hipchat.unarchiveRoom(roomId, 1);
    assert.equal((await db()('rooms').where({ installation_id: install.oauthId, room_id: roomId }).first())?.archived ? true : false, false, 'the unarchive is recorded');
    await waitFor(() => texts(roomId).some((t) => t.includes(inviteId.slice(0, 8))), 'delivered after unarchive');
  });

  test('room_deleted: the room\'s invites and pending jobs are removed', async () => {
    const { roomId } = await world.hipchat.createRoom({ name: 'Delete me', ownerId: 1 });
    await world.hipchat.archiveRoom(roomId, 1); // keeps its notice pending
    const inviteId = await invite(roomId, 'bsmith');
    await waitFor(async () => (await findInvite(db(), inviteId))?.state === 'sent', 'sent');
    assert.equal((await listJobs(db(), { state: 'pending', kind: 'room.notice' })).filter((j) => j.roomId === roomId).length, 1);
    // xMatters' delivery updates are in (each may queue the room glance's update); later ones find no invite.
    await world.xmatters.idle();
    await world.hipchat.deleteRoom(roomId, 1);
    assert.equal(await findInvite(db(), inviteId), undefined);
    assert.deepEqual(await listRecipients(db(), inviteId), []);
    assert.equal((await listJobs(db())).filter((j) => j.roomId === roomId && j.state === 'pending').length, 0);
  });

  test('every event the descriptor declares is accepted with HipChat\'s JWT; a bad JWT is refused', async () => {
    const events = ['room_message', 'room_enter', 'room_archived', 'room_unarchived', 'room_deleted'];
    const roomId = (await world.hipchat.createRoom({ name: 'Every event', ownerId: 1 })).roomId;
    for (const event of events) {
      const body = envelope(event, roomId, DAN, { id: `m-${event}`, text: '/oncall help' });
      const token = world.hipchat.signJwt(install.oauthId, { userId: 4, roomId });
      const ok = await request(app()).post(`/webhooks/${event}?signed_request=${token}`).send(body);
      assert.ok(ok.status === 200 || ok.status === 204, `${event}: ${ok.status}`);
      const forged = jwt.sign({ iss: install.oauthId, sub: '4', exp: Math.floor(Date.now() / 1000) + 60, context: { room_id: roomId } }, 'not-the-secret');
      const refused = await request(app()).post(`/webhooks/${event}?signed_request=${forged}`).send(body);
      assert.equal(refused.status, 401, event);
    }
  });

  test('a malformed envelope is refused with the reason', async () => {
    const token = world.hipchat.signJwt(install.oauthId, { userId: 1, roomId: 100 });
    const res = await request(app()).post(`/webhooks/room_enter?signed_request=${token}`).send({ event: 'room_enter', item: {} });
    assert.equal(res.status, 400);
    assert.match(res.body.error.message, /room/);
  });
});

describe('a webhook must agree with its HipChat-signed token', () => {
  /** A room with an invite whose notice waits (archived), so a purge would be visible. */
  async function roomWithInvite(name: string) {
    const { roomId } = await world.hipchat.createRoom({ name, ownerId: 1 });
    const inviteId = await invite(roomId, 'bsmith');
    await waitFor(async () => (await findInvite(db(), inviteId))?.state === 'sent', 'sent');
    return { roomId, inviteId };
  }

  test('a page token cannot forge a webhook: room_deleted with the dialog\'s token is refused and purges nothing', async () => {
    const { roomId, inviteId } = await roomWithInvite('Page token target');
    // A non-admin opens the "+" dialog in another room and keeps the page token it carries.
    const dialog = new URL(world.hipchat.pageUrl(install.oauthId, `${world.addon.baseUrl}/invite/dialog`, { userId: 4, roomId: 100 }));
    const page = await request(app()).get(dialog.pathname + dialog.search).expect(200);
    const pageToken = /<meta name="token" content="([^"]+)">/.exec(page.text)![1]!;
    for (const placement of ['query', 'header'] as const) {
      const req = request(app()).post(`/webhooks/room_deleted${placement === 'query' ? `?signed_request=${pageToken}` : ''}`);
      if (placement === 'header') req.set('Authorization', `JWT ${pageToken}`);
      const res = await req.send(envelope('room_deleted', roomId, DAN));
      assert.equal(res.status, 401, placement);
      assert.match(res.body.error.message, /page token is not accepted here/);
    }
    assert.ok(await findInvite(db(), inviteId), 'the invite is still there');
  });

  test('a webhook about another room than its token\'s is refused and changes nothing', async () => {
    const { roomId, inviteId } = await roomWithInvite('Other room target');
    const token = world.hipchat.signJwt(install.oauthId, { userId: 4, roomId: 102 });
    const res = await request(app()).post(`/webhooks/room_deleted?signed_request=${token}`).send(envelope('room_deleted', roomId, DAN));
    assert.equal(res.status, 403);
    assert.equal(res.body.error.code, 'wrong_room');
    assert.ok(await findInvite(db(), inviteId), 'the invite is still there');
    // A token that names no room cannot speak for any room of a global installation.
    const roomless = world.hipchat.signJwt(install.oauthId, { userId: 4 });
    const res2 = await request(app()).post(`/webhooks/room_archived?signed_request=${roomless}`).send(envelope('room_archived', roomId, DAN));
    assert.equal(res2.status, 403);
    assert.equal(await db()('rooms').where({ installation_id: install.oauthId, room_id: roomId }).first(), undefined, 'no archive recorded');
  });

  test('a message "from" someone other than the token\'s user is refused: nobody is paged in their name', async () => {
    const before = await inviteCount();
    const jobsBefore = (await listJobs(db(), { kind: 'oncall.invite' })).length;
    const token = world.hipchat.signJwt(install.oauthId, { userId: 4, roomId: 100 });
    const body = envelope('room_message', 100, ALICE, { id: 'impersonation-1', text: '/oncall invite bsmith Sent as Alice by Dan' });
    const res = await request(app()).post(`/webhooks/room_message?signed_request=${token}`).send(body);
    assert.equal(res.status, 403);
    assert.equal(res.body.error.code, 'wrong_sender');
    assert.equal((await listJobs(db(), { kind: 'oncall.invite' })).length, jobsBefore);
    assert.equal(await inviteCount(), before);
    assert.equal((await db()('seen_events').where({ event_key: 'msg:impersonation-1' })).length, 0, 'the message id is not used up');
  });

  test('the body is not read before the JWT is verified: a large body with a forged token is a 401', async () => {
    const forged = jwt.sign({ iss: install.oauthId, sub: '4', exp: Math.floor(Date.now() / 1000) + 60, context: { room_id: 100 } }, 'not-the-secret');
    const res = await request(app())
      .post(`/webhooks/room_message?signed_request=${forged}`)
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ padding: 'p'.repeat(1_000_000) }));
    assert.equal(res.status, 401);
  });

  test('oauth_client_id of another installation is refused', async () => {
    const token = world.hipchat.signJwt(install.oauthId, { userId: 4, roomId: 100 });
    const res = await request(app()).post(`/webhooks/room_enter?signed_request=${token}`).send({ ...envelope('room_enter', 100, DAN), oauth_client_id: 'someone-else' });
    assert.equal(res.status, 400);
  });
});
