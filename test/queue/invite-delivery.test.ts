import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createInvite, JOB_KINDS } from '../../lib/invites/service';
import { findInvite } from '../../lib/store/invites';
import { listJobs } from '../../lib/store/jobs';
import { installAndConfigure, startWorld, type ConfiguredInstallation, type World } from '../helpers/world';
import { waitFor } from '../helpers/wait';

/** Sending invites to xMatters through the delivery queue, when xMatters misbehaves. */
let world: World;
let install: ConfiguredInstallation;
const ROOM = 100;

before(async () => {
  world = await startWorld({ worker: { pollMs: 50, backoffBaseMs: 200, backoffMaxMs: 1000 } });
  install = await installAndConfigure(world, ROOM);
});
after(() => world.close());

let n = 0;
async function invite(description = `Queue test ${++n}`) {
  const { inviteId } = await createInvite(world.addon.addon.inviteDeps, {
    installationId: install.oauthId,
    roomId: ROOM,
    roomName: 'Ops War Room',
    inviterId: '1',
    inviterName: 'Alice Admin',
    inviterMention: 'alice',
    description,
    idempotencyKey: null,
    recipients: [{ targetName: 'bsmith', recipientType: 'PERSON', displayName: 'Bob Smith' }],
  });
  return inviteId;
}
const triggerJob = async (inviteId: string) => (await listJobs(world.addon.addon.db, { kind: JOB_KINDS.trigger })).find((j) => (j.payload as { inviteId: string }).inviteId === inviteId);
const eventsFor = (inviteId: string) => world.xmatters.events.filter((e) => e.properties.invite_id === inviteId);
const roomTexts = () => world.hipchat.notifications(ROOM).map((m) => m.message);

test('xMatters down, then up: the invite is delivered after', async () => {
  world.xmatters.faults.down();
  let inviteId: string;
  try {
    inviteId = await invite();
    await waitFor(async () => ((await triggerJob(inviteId))?.attempts ?? 0) >= 2 && !!(await triggerJob(inviteId))?.lastError, 'two attempts failed while xMatters is down');
    const failing = await triggerJob(inviteId);
    assert.notEqual(failing?.state, 'failed', 'a 503 is retried');
    assert.match(failing!.lastError!, /503/);
    assert.equal(eventsFor(inviteId).length, 0);
  } finally {
    world.xmatters.faults.up();
  }
  await waitFor(async () => ['sent', 'confirmed'].includes((await findInvite(world.addon.addon.db, inviteId))?.state ?? ''), 'accepted once xMatters is back', 15_000);
  await waitFor(() => eventsFor(inviteId).length > 0, 'xMatters creates the event after its 202');
  assert.equal(eventsFor(inviteId).length, 1);
  await waitFor(() => roomTexts().some((t) => t.includes(inviteId.slice(0, 8)) && t.startsWith('Alice Admin invited')), 'the room gets the invite notice');
});

test('429 with Retry-After: the trigger waits that long', async () => {
  // The 429 goes to the next request xMatters gets: let the last test's event confirmation finish first.
  await waitFor(async () => (await listJobs(world.addon.addon.db, { kind: JOB_KINDS.confirm })).every((j) => j.state === 'done' || j.state === 'failed'), 'earlier confirmations are done', 15_000);
  world.xmatters.faults.failNext(1, 429, { retryAfter: 2 });
  const inviteId = await invite();
  await waitFor(async () => ((await triggerJob(inviteId))?.lastError ?? '').includes('429'), 'the 429 is recorded');
  const waiting = (await triggerJob(inviteId))!;
  assert.ok(waiting.runAt - waiting.createdAt >= 2000, `rescheduled ${waiting.runAt - waiting.createdAt} ms after it was queued`);
  await waitFor(async () => (await triggerJob(inviteId))?.state === 'done', 'delivered after the wait', 10_000);
  assert.ok((await triggerJob(inviteId))!.updatedAt >= waiting.runAt, 'it ran only once its time had come');
  // xMatters makes the event a moment after its 202; the refused trigger was not queued (E3).
  await waitFor(() => eventsFor(inviteId).length > 0, 'xMatters made the event');
  await world.xmatters.idle();
  assert.equal(eventsFor(inviteId).length, 1, 'exactly one event');
});

test('a permanent 400 is not retried, and the room is told in red', async () => {
  world.xmatters.faults.failNext(1, 400);
  const inviteId = await invite('This one is refused');
  await waitFor(async () => (await findInvite(world.addon.addon.db, inviteId))?.state === 'failed', 'the invite fails');
  // The failure hook (which marks the invite) runs just before the job is marked failed.
  await waitFor(async () => (await triggerJob(inviteId))?.state === 'failed', 'the job is marked failed');
  const job = await triggerJob(inviteId);
  assert.equal(job?.state, 'failed');
  assert.equal(job?.attempts, 1, 'not retried');
  assert.ok(job?.lastError);
  await waitFor(() => roomTexts().some((t) => t.startsWith("Could not send Alice Admin's xMatters invite") && t.includes(inviteId.slice(0, 8))), 'the room is told');
  const notice = world.hipchat.notifications(ROOM).find((m) => m.message.includes(inviteId.slice(0, 8)) && m.message.startsWith('Could not send'))!;
  assert.equal(notice.color, 'red');
  assert.match(notice.message, /configure tab/);
  assert.equal(eventsFor(inviteId).length, 0);
});
