import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import request from 'supertest';
import { findInvite } from '../../lib/store/invites';
import { listJobs } from '../../lib/store/jobs';
import { installAndConfigure, startWorld, type ConfiguredInstallation, type World } from '../helpers/world';
import { waitFor } from '../helpers/wait';

/**
 * The room and the xMatters event share one timeline while an invite is active (seed 001): room
 * messages become comments on the event, comments added in xMatters are posted in the room, each
 * direction can be turned off, and nothing the add-on posts comes back.
 */
let world: World;
let install: ConfiguredInstallation;
let room = 0;
let rooms = 0;

before(async () => {
  world = await startWorld({ worker: { pollMs: 50, backoffBaseMs: 100, backoffMaxMs: 500 } }, { XMATTERS_EVENT_CONFIRM_SECONDS: '5' });
  install = await installAndConfigure(world);
});
after(() => world.close());
beforeEach(async () => {
  room = (await world.hipchat.createRoom({ name: `Timeline ${++rooms}`, ownerId: 1 })).roomId;
});

const app = () => world.addon.addon.app;
const texts = () => world.hipchat.notifications(room).map((n) => n.message);
const eventOf = (inviteId: string) => world.xmatters.events.find((e) => e.properties.invite_id === inviteId);

async function activeInvite(description: string): Promise<string> {
  const token = world.hipchat.signJwt(install.oauthId, { userId: 1, roomId: room });
  const res = await request(app())
    .post('/invite/api/invites')
    .set('Authorization', `JWT ${token}`)
    .send({ recipients: [{ targetName: 'bsmith', type: 'PERSON', displayName: 'Bob Smith' }], description, idempotencyKey: `key-${Math.random().toString(36).slice(2, 12)}` });
  assert.equal(res.status, 202, res.text);
  await waitFor(async () => (await findInvite(world.addon.addon.db, res.body.inviteId))?.state === 'confirmed', 'the event is confirmed', 15_000);
  return res.body.inviteId;
}

async function setTimeline(roomToXmatters: boolean, xmattersToRoom: boolean) {
  const token = world.hipchat.signJwt(install.oauthId, { userId: 1 });
  const res = await request(app())
    .post('/configure/api/settings')
    .set('Authorization', `JWT ${token}`)
    .send({ hostname: world.xmatters.baseUrl, username: 'hipchat', password: '', inviteUrl: world.xmatters.inviteUrl, roomToXmatters, xmattersToRoom });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.settings.roomToXmatters, roomToXmatters);
  assert.equal(res.body.settings.xmattersToRoom, xmattersToRoom);
}

describe('room → xMatters', () => {
  test('a message typed in the room is added to the active invite\'s event as a comment, with who wrote it, once', async () => {
    const inviteId = await activeInvite('Room messages become comments');
    const { messageId } = await world.hipchat.sendMessage(room, 3, 'Rolling back the 14:02 deploy now');
    await waitFor(() => (eventOf(inviteId)?.comments ?? []).some((c) => c.comment === 'Carol Jones in HipChat: Rolling back the 14:02 deploy now'), 'the comment is on the event');
    const comment = eventOf(inviteId)!.comments.find((c) => c.comment.includes('Rolling back'))!;
    assert.equal(comment.author, 'hipchat', 'written as the integration user');
    // HipChat delivering the same message again adds nothing.
    const token = world.hipchat.signJwt(install.oauthId, { userId: 3, roomId: room });
    const again = await request(app())
      .post(`/webhooks/room_message?signed_request=${token}`)
      .send({ event: 'room_message', oauth_client_id: install.oauthId, webhook_id: 1, item: { room: { id: room }, message: { id: messageId, message: 'Rolling back the 14:02 deploy now', from: { id: 3, name: 'Carol Jones', mention_name: 'cjones' } } } });
    assert.equal(again.status, 204);
    await waitFor(async () => (await listJobs(world.addon.addon.db, { kind: 'xmatters.comment' })).every((j) => j.state === 'done'), 'the comment jobs are done');
    assert.equal(eventOf(inviteId)!.comments.filter((c) => c.comment.includes('Rolling back')).length, 1);
    // The comment comes back through the plan's comment webhook, as the integration user's: not posted.
    await world.xmatters.idle();
    await world.addon.addon.worker.runOnce();
    assert.ok(!texts().some((t) => t.includes('Rolling back')), 'not echoed into the room');
  });

  test('an ended event takes no more comments', async () => {
    const inviteId = await activeInvite('Ends soon');
    world.xmatters.terminate(eventOf(inviteId)!.eventIdentifier);
    await waitFor(async () => (await findInvite(world.addon.addon.db, inviteId))?.eventStatus === 'terminated', 'the add-on heard the event end');
    const before = (await listJobs(world.addon.addon.db, { kind: 'xmatters.comment' })).length;
    await world.hipchat.sendMessage(room, 3, 'Anyone still here?');
    assert.equal((await listJobs(world.addon.addon.db, { kind: 'xmatters.comment' })).length, before);
  });
});

describe('xMatters → room', () => {
  test('a comment added in xMatters is posted in the room', async () => {
    const inviteId = await activeInvite('Comments come back');
    world.xmatters.comment(eventOf(inviteId)!.eventIdentifier, 'mmcbride', 'Replica lag is at 40 s');
    await waitFor(() => texts().some((t) => t.includes('Mary McBride commented in xMatters: "Replica lag is at 40 s"')), 'the comment is posted');
  });
});

describe('an admin can turn either direction off', () => {
  test('off: no comments added to the event, and none posted in the room; on again, both flow', async () => {
    await setTimeline(false, false);
    try {
      const inviteId = await activeInvite('Timeline off');
      const jobsBefore = (await listJobs(world.addon.addon.db, { kind: 'xmatters.comment' })).length;
      await world.hipchat.sendMessage(room, 3, 'Not for xMatters');
      assert.equal((await listJobs(world.addon.addon.db, { kind: 'xmatters.comment' })).length, jobsBefore, 'no comment job');
      world.xmatters.comment(eventOf(inviteId)!.eventIdentifier, 'mmcbride', 'Not for the room');
      await world.xmatters.idle();
      await world.addon.addon.worker.runOnce();
      assert.ok(!texts().some((t) => t.includes('Not for the room')));
      assert.ok(!eventOf(inviteId)!.comments.some((c) => c.comment.includes('Not for xMatters')));
    } finally {
      await setTimeline(true, true);
    }
  });
});
