import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { listJobs } from '../../lib/store/jobs';
import { listRecipients } from '../../lib/store/invites';
import { readDbNow } from '../../lib/store/clock';
import { startWorld, installAndConfigure, type ConfiguredInstallation, type World } from '../helpers/world';
import { waitFor } from '../helpers/wait';
import { changes, snapshotter } from '../helpers/db-snapshot';

let world: World;
let install: ConfiguredInstallation;
// A global installation: rooms 100 (Ops War Room) and 101 are both its own.
const ROOM = 100;
const OTHER_ROOM = 101;
const GLANCE_KEY = 'oncall-glance';

before(async () => {
  world = await startWorld({ worker: { pollMs: 50 } });
  install = await installAndConfigure(world);
});
after(() => world?.close());

const app = () => world.addon.addon.app;
const db = () => world.addon.addon.db;
const tokenFor = (roomId: number, userId = 1) => world.hipchat.signJwt(install.oauthId, { userId, roomId });
const pushes = (roomId = ROOM) => world.hipchat.glances.version(roomId);
const pushed = (roomId = ROOM) => world.hipchat.glances.get(roomId, install.oauthId, GLANCE_KEY)?.content;

/**
 * Everything in flight has landed: xMatters delivered its webhooks and the add-on's queue is empty, but
 * for the jobs due later by design (an invite's nudge, and the read-backs of its responses).
 */
async function settle(): Promise<void> {
  await waitFor(async () => {
    await world.xmatters.idle();
    const busy = [...(await listJobs(db(), { state: 'pending' })), ...(await listJobs(db(), { state: 'running' }))].filter((j) => j.kind !== 'invite.nudge' && j.kind !== 'xmatters.reconcile');
    return busy.length === 0;
  }, 'xMatters and the delivery queue are idle', 30_000);
}

async function queryGlance(roomId = ROOM, origin?: string) {
  const req = request(app()).get(`/glance?signed_request=${tokenFor(roomId)}`);
  if (origin) req.set('Origin', origin);
  return req;
}

let keys = 0;
async function invite(roomId: number, recipients: Array<{ targetName: string; type: 'PERSON' | 'GROUP' }>, description = 'Checkout is failing') {
  const res = await request(app())
    .post('/invite/api/invites')
    .set('Authorization', `JWT ${tokenFor(roomId)}`)
    .send({ recipients, description, idempotencyKey: `glance-test-${++keys}` });
  assert.equal(res.status, 202, res.text);
  const inviteId = res.body.inviteId as string;
  await waitFor(() => world.xmatters.events.some((e) => e.properties.invite_id === inviteId), 'xMatters made the event', 30_000);
  return { inviteId, event: world.xmatters.events.find((e) => e.properties.invite_id === inviteId)! };
}

async function saveSettings(roomId: number, extra: Record<string, unknown>, userId = 1) {
  return request(app())
    .post('/configure/api/settings')
    .set('Authorization', `JWT ${world.hipchat.signJwt(install.oauthId, { userId, roomId })}`)
    .send({ hostname: world.xmatters.baseUrl, username: 'hipchat', password: '', inviteUrl: world.xmatters.inviteUrl, ...extra });
}

describe('the glance', () => {
  test('no invites: a quiet label, readable by the installation\'s HipChat only', async () => {
    const hipchatOrigin = new URL(world.hipchat.baseUrl).origin;
    const res = await queryGlance(ROOM, hipchatOrigin);
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body, { label: { type: 'html', value: 'On-call: no invites' } });
    assert.equal(res.headers['access-control-allow-origin'], hipchatOrigin);
    const evil = await queryGlance(ROOM, 'https://evil.example.com');
    assert.equal(evil.status, 200);
    assert.equal(evil.headers['access-control-allow-origin'], undefined, 'another origin may not read it');
    const pageToken = await request(app()).get('/glance').set('Authorization', `JWT ${await panelToken(ROOM)}`);
    assert.equal(pageToken.status, 401, 'a page token is not HipChat\'s JWT');
  });

  test('some answered, then all answered; a push per change, none for a repeated callback', async () => {
    const before = pushes();
    const { inviteId, event } = await invite(ROOM, [
      { targetName: 'bsmith', type: 'PERSON' },
      { targetName: 'mmcbride', type: 'PERSON' },
    ]);
    await settle();
    let res = await queryGlance();
    assert.deepEqual(res.body, { label: { type: 'html', value: 'On-call: <b>0</b> coming · 2 waiting' }, status: { type: 'lozenge', value: { label: 'WAITING', type: 'current' } } });
    assert.deepEqual(pushed(), res.body, 'the waiting state was pushed');
    const afterInvite = pushes();
    assert.ok(afterInvite > before, 'the new invite was pushed');

    world.xmatters.respond(event.eventIdentifier, 'bsmith', 'Accept', 'on my way');
    await settle();
    res = await queryGlance();
    assert.deepEqual(res.body, { label: { type: 'html', value: 'On-call: <b>1</b> coming · 1 waiting' }, status: { type: 'lozenge', value: { label: 'WAITING', type: 'current' } } });
    assert.deepEqual(pushed(), res.body);
    assert.equal(pushes(), afterInvite + 1, 'one push for the acceptance');

    // xMatters repeats the response webhook: nothing changes, nothing is pushed.
    const delivery = world.xmatters.deliveries.find((d) => d.kind === 'RESPONSE' && d.eventIdentifier === event.eventIdentifier)!;
    const repeat = await request(app()).post('/xmatters/callbacks').auth(install.callback.username, install.callback.password).send(delivery.payload);
    assert.equal(repeat.body.status, 'duplicate');
    // A new delivery update that changes nothing the glance shows: applied, its glance job runs, no push.
    const update = await request(app())
      .post('/xmatters/callbacks')
      .auth(install.callback.username, install.callback.password)
      .send({ eventIdentifier: event.eventIdentifier, eventProperties: [{ invite_id: inviteId }], recipient: 'mmcbride', deliveryStatus: 'Delivered', device: 'Mobile Phone', date: '2026-12-02 03:00:00.000' });
    assert.equal(update.body.status, 'accepted', update.text);
    await settle();
    assert.equal(pushes(), afterInvite + 1, 'no push without a change');

    world.xmatters.respond(event.eventIdentifier, 'mmcbride', 'Accept');
    await settle();
    res = await queryGlance();
    assert.deepEqual(res.body, { label: { type: 'html', value: 'On-call: <b>2</b> coming' }, status: { type: 'lozenge', value: { label: 'ANSWERED', type: 'success' } } });
    assert.deepEqual(pushed(), res.body);
    assert.equal(pushes(), afterInvite + 2);
    const states = Object.fromEntries((await listRecipients(db(), inviteId)).map((r) => [r.targetName, r.state]));
    assert.deepEqual(states, { bsmith: 'accepted', mmcbride: 'accepted' });

    // The event ends: the invite leaves the glance.
    world.xmatters.terminate(event.eventIdentifier);
    await settle();
    assert.deepEqual(pushed(), { label: { type: 'html', value: 'On-call: no invites' } });
  });

  test('a decline shows as an error lozenge', async () => {
    const { event } = await invite(OTHER_ROOM, [{ targetName: 'mmcbride', type: 'PERSON' }]);
    world.xmatters.respond(event.eventIdentifier, 'mmcbride', 'Decline', 'at the dentist');
    await settle();
    const res = await queryGlance(OTHER_ROOM);
    assert.deepEqual(res.body, { label: { type: 'html', value: 'On-call: <b>0</b> coming · 1 declined' }, status: { type: 'lozenge', value: { label: 'DECLINED', type: 'error' } } });
    assert.deepEqual(pushed(OTHER_ROOM), res.body);
    world.xmatters.terminate(event.eventIdentifier);
    await settle();
  });
});

/** The page token the panel is rendered with. */
async function panelToken(roomId: number): Promise<string> {
  const res = await request(app()).get(`/panel?signed_request=${tokenFor(roomId)}`);
  assert.equal(res.status, 200, res.text);
  const match = /<meta name="token" content="([^"]+)">/.exec(res.text);
  assert.ok(match, 'the panel carries a page token');
  return match[1]!;
}

describe('the panel', () => {
  test('lists the room\'s active invites with each recipient\'s state; another room\'s token sees none of them and cannot act on them', async () => {
    const { inviteId, event } = await invite(ROOM, [{ targetName: 'Database', type: 'GROUP' }], 'Replica lag');
    world.xmatters.respond(event.eventIdentifier, 'bsmith', 'Accept');
    await settle();
    const token = await panelToken(ROOM);
    const res = await request(app()).get('/panel/api/room').set('Authorization', `JWT ${token}`);
    assert.equal(res.status, 200, res.text);
    const shown = res.body.invites.find((i: { id: string }) => i.id === inviteId);
    assert.equal(shown.description, 'Replica lag');
    const byName = Object.fromEntries(shown.recipients.map((r: { targetName: string }) => [r.targetName, r]));
    assert.equal(byName.Database.type, 'GROUP');
    assert.equal(byName.bsmith.state, 'accepted');
    assert.equal(byName.bsmith.member, true, 'a group member who answered is listed under the group');
    assert.ok(byName.bsmith.stateChangedAt >= shown.createdAt);
    assert.equal(JSON.stringify(res.body).includes(install.callback.password), false);

    const other = await panelToken(OTHER_ROOM);
    const elsewhere = await request(app()).get('/panel/api/room').set('Authorization', `JWT ${other}`);
    assert.equal(elsewhere.status, 200);
    assert.equal(elsewhere.body.invites.some((i: { id: string }) => i.id === inviteId), false, 'room 101 sees none of room 100\'s invites');

    const snap = await snapshotter(db());
    const snapshot = await snap();
    for (const action of ['again', 'next-group']) {
      const refused = await request(app()).post(`/panel/api/invites/${inviteId}/${action}`).set('Authorization', `JWT ${other}`).send({ idempotencyKey: `other-room-${action}` });
      assert.equal(refused.status, 404, refused.text);
      assert.equal(refused.body.error.code, 'unknown_invite');
    }
    const noToken = await request(app()).post(`/panel/api/invites/${inviteId}/again`).send({ idempotencyKey: 'no-token-click-1' });
    assert.equal(noToken.status, 401);
    // A page token never loads the page again (a leaked one cannot be renewed), nor answers as HipChat's queryUrl.
    assert.equal((await request(app()).get(`/panel?signed_request=${token}`)).status, 401);
    assert.equal((await request(app()).get(`/glance?signed_request=${token}`)).status, 401);
    const badId = await request(app()).post('/panel/api/invites/not-an-id/again').set('Authorization', `JWT ${token}`).send({ idempotencyKey: 'bad-id-click-1' });
    assert.equal(badId.status, 404);
    const badKey = await request(app()).post(`/panel/api/invites/${inviteId}/again`).set('Authorization', `JWT ${token}`).send({ idempotencyKey: 'x' });
    assert.equal(badKey.status, 400);
    assert.equal(badKey.body.error.field, 'idempotencyKey');
    assert.deepEqual(changes(snapshot, await snap()), new Map(), 'nothing changed');
  });

  test('Invite again sends the same recipients and description; the next group is the first not invited yet', async () => {
    const { inviteId } = await invite(ROOM, [{ targetName: 'bsmith', type: 'PERSON' }], 'Payments are slow');
    const token = await panelToken(ROOM);
    const again = await request(app()).post(`/panel/api/invites/${inviteId}/again`).set('Authorization', `JWT ${token}`).send({ idempotencyKey: 'again-click-1' });
    assert.equal(again.status, 202, again.text);
    assert.notEqual(again.body.inviteId, inviteId);
    await waitFor(() => world.xmatters.triggers.some((t) => JSON.stringify(t).includes(again.body.inviteId)), 'the new invite is triggered');
    const recipients = await listRecipients(db(), again.body.inviteId);
    assert.deepEqual(recipients.map((r) => [r.targetName, r.recipientType]), [['bsmith', 'PERSON']]);
    // The same click twice makes one invite.
    const twice = await request(app()).post(`/panel/api/invites/${inviteId}/again`).set('Authorization', `JWT ${token}`).send({ idempotencyKey: 'again-click-1' });
    assert.equal(twice.body.inviteId, again.body.inviteId);

    // No list set: refused, and the panel says so.
    const unset = await request(app()).post(`/panel/api/invites/${inviteId}/next-group`).set('Authorization', `JWT ${token}`).send({ idempotencyKey: 'next-click-0' });
    assert.equal(unset.status, 409);
    assert.equal(unset.body.error.code, 'no_next_groups');
    const listed = await request(app()).get('/panel/api/room').set('Authorization', `JWT ${token}`);
    assert.equal(listed.body.nextGroupsSet, false);

    // Database is invited in this room already (previous test): Network comes next.
    assert.equal((await saveSettings(ROOM, { nextGroups: ['Database', 'Network', 'Storage'] })).status, 200);
    const next = await request(app()).post(`/panel/api/invites/${inviteId}/next-group`).set('Authorization', `JWT ${token}`).send({ idempotencyKey: 'next-click-1' });
    assert.equal(next.status, 202, next.text);
    assert.equal(next.body.group, 'Network');
    const nextRecipients = await listRecipients(db(), next.body.inviteId);
    assert.deepEqual(nextRecipients.map((r) => [r.targetName, r.recipientType]), [['Network', 'GROUP']]);
    await settle();
  });
});

describe('settings for the panel and the nudge', () => {
  test('a bad nudge time or list is refused with a 400 and changes nothing; so is a non-admin', async () => {
    await settle();
    const snap = await snapshotter(db());
    const snapshot = await snap();
    for (const [body, field] of [
      [{ nudgeMinutes: 0 }, 'nudgeMinutes'],
      [{ nudgeMinutes: 121 }, 'nudgeMinutes'],
      [{ nudgeMinutes: 2.5 }, 'nudgeMinutes'],
      [{ nudgeMinutes: '5' }, 'nudgeMinutes'],
      [{ nextGroups: 'Database' }, 'nextGroups'],
      [{ nextGroups: [''] }, 'nextGroups'],
      [{ nextGroups: Array.from({ length: 21 }, (_, i) => `G${i}`) }, 'nextGroups'],
    ] as const) {
      const res = await saveSettings(ROOM, body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.body.error.field, field, res.text);
    }
    // Bob (user 2) is no group admin.
    const bob = await saveSettings(ROOM, { nudgeMinutes: 10, nextGroups: ['Facilities'] }, 2);
    assert.equal(bob.status, 403, bob.text);
    assert.deepEqual(changes(snapshot, await snap()), new Map(), 'nothing changed');
  });
});

describe('the nudge', () => {
  test('nobody accepted after N minutes: the room is told once, with the command for the next group', async () => {
    assert.equal((await saveSettings(ROOM, { nudgeMinutes: 7, nextGroups: ['Network', 'Facilities'] })).status, 200);
    const { inviteId } = await invite(OTHER_ROOM, [{ targetName: 'Payments On-Call', type: 'GROUP' }], 'Card payments fail');
    await settle();
    const [job] = (await listJobs(db(), { kind: 'invite.nudge' })).filter((j) => (j.payload as { inviteId: string }).inviteId === inviteId);
    assert.ok(job, 'the nudge is a queued job');
    assert.equal(job.state, 'pending');
    assert.ok(Math.abs(job.runAt - job.createdAt - 7 * 60_000) < 1000, `due 7 min after the invite (${job.runAt - job.createdAt} ms)`);
    assert.equal(job.dedupeKey, `nudge:${inviteId}`);

    // The queue's clock reaches the job's time (as test/queue/clock.test.ts moves a job's time).
    await db()('jobs').where({ id: job.id }).update({ run_at: await readDbNow(db()) });
    world.addon.addon.worker.wake();
    const ref = inviteId.slice(0, 8);
    const nudges = () => world.hipchat.notifications(OTHER_ROOM).filter((n) => n.message.startsWith('Nobody has accepted') && n.message.includes(ref));
    await waitFor(() => nudges().length === 1, 'the room is nudged');
    assert.equal(nudges()[0]!.message, `Nobody has accepted Alice Admin's invite (invite ${ref}) after 7 min. To reach the next group, Network, type: /oncall invite Network Card payments fail`);
    await settle();
    const states = (await listRecipients(db(), inviteId)).map((r) => r.state);
    assert.ok(states.every((s) => s === 'no_answer'), `everyone unanswered is no answer: ${states}`);
    assert.match(String((await queryGlance(OTHER_ROOM)).body.label.value), /no answer/);

    // Run again (a crash before it was marked done): the room is not told twice.
    await db()('jobs').where({ id: job.id }).update({ state: 'pending', run_at: await readDbNow(db()) });
    world.addon.addon.worker.wake();
    await waitFor(async () => (await listJobs(db(), { kind: 'invite.nudge' })).find((j) => j.id === job.id)?.state === 'done', 'the nudge ran again');
    await settle();
    assert.equal(nudges().length, 1, 'told once');
  });

  test('not sent when someone accepted', async () => {
    const { inviteId, event } = await invite(OTHER_ROOM, [{ targetName: 'carol.jones', type: 'PERSON' }], 'Disk full');
    world.xmatters.respond(event.eventIdentifier, 'carol.jones', 'Accept');
    await settle();
    const [job] = (await listJobs(db(), { kind: 'invite.nudge' })).filter((j) => (j.payload as { inviteId: string }).inviteId === inviteId);
    await db()('jobs').where({ id: job!.id }).update({ run_at: await readDbNow(db()) });
    world.addon.addon.worker.wake();
    await waitFor(async () => (await listJobs(db(), { kind: 'invite.nudge' })).find((j) => j.id === job!.id)?.state === 'done', 'the nudge job ran');
    await settle();
    assert.equal(world.hipchat.notifications(OTHER_ROOM).some((n) => n.message.startsWith('Nobody has accepted') && n.message.includes(inviteId.slice(0, 8))), false);
  });

  test('not sent when the invite ended', async () => {
    const { inviteId, event } = await invite(OTHER_ROOM, [{ targetName: 'dbrown', type: 'PERSON' }], 'Cache cold');
    world.xmatters.terminate(event.eventIdentifier);
    await settle();
    const [job] = (await listJobs(db(), { kind: 'invite.nudge' })).filter((j) => (j.payload as { inviteId: string }).inviteId === inviteId);
    await db()('jobs').where({ id: job!.id }).update({ run_at: await readDbNow(db()) });
    world.addon.addon.worker.wake();
    await waitFor(async () => (await listJobs(db(), { kind: 'invite.nudge' })).find((j) => j.id === job!.id)?.state === 'done', 'the nudge job ran');
    await settle();
    assert.equal(world.hipchat.notifications(OTHER_ROOM).some((n) => n.message.startsWith('Nobody has accepted') && n.message.includes(inviteId.slice(0, 8))), false);
    assert.equal((await listRecipients(db(), inviteId))[0]?.state, 'no_answer', 'the event ended before dbrown answered');
  });
});
