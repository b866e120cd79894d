import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { OutboxWorker, type JobHandler } from '../../lib/outbox/worker';
import { JOB_KINDS, queueNotice } from '../../lib/invites/service';
import { openDb, type Db } from '../../lib/store/db';
import { enqueueJobs, findJob, listJobs } from '../../lib/store/jobs';
import { setRoomArchived } from '../../lib/store/invites';
import { createLogger } from '../../lib/logger';
import { readDbNow } from '../../lib/store/clock';
import { startHipChatSim, type HipChatSim } from '../../sim/hipchat/server';
import { startAddon, type RunningAddon } from '../helpers/addon';
import { waitFor } from '../helpers/wait';

/**
 * The delivery queue against the HipChat simulator over HTTP. Runs on SQLite in `npm test` and on
 * PostgreSQL in `npm run test:pg` (TEST_DATABASE_URL).
 */
let sim: HipChatSim;
let addon: RunningAddon;
let oauthId: string;
const silent = createLogger('silent');

before(async () => {
  sim = await startHipChatSim();
  addon = await startAddon({
    hipchatAllowedHosts: [new URL(sim.baseUrl).host],
    options: { worker: { pollMs: 50, backoffBaseMs: 100, backoffMaxMs: 1000 } },
  });
  const result = await sim.install(addon.descriptorUrl);
  assert.equal(result.status, 204, result.body);
  oauthId = result.installation!.oauthId;
});
after(async () => {
  await addon.close();
  await sim.close();
});

const db = () => addon.addon.db;
const notice = (text: string) => ({ text, color: 'gray' as const, notify: false });
const texts = (roomId: number) => sim.notifications(roomId).map((n) => n.message);

describe('room notices', () => {
  test('a queued notice reaches the room', async () => {
    await queueNotice(addon.addon.inviteDeps, oauthId, 100, notice('queue: hello'));
    await waitFor(() => texts(100).includes('queue: hello'), 'the notice is posted');
  });

  test('the same dedupe key posts once', async () => {
    await queueNotice(addon.addon.inviteDeps, oauthId, 100, notice('queue: once'), 'once-key');
    await queueNotice(addon.addon.inviteDeps, oauthId, 100, notice('queue: once'), 'once-key');
    await waitFor(() => texts(100).includes('queue: once'), 'the notice is posted');
    await addon.addon.worker.runOnce();
    assert.equal(texts(100).filter((t) => t === 'queue: once').length, 1);
  });

  test('HipChat down: retried with backoff, delivered when it is back', async () => {
    sim.faults.failNext(3, 503);
    await queueNotice(addon.addon.inviteDeps, oauthId, 100, notice('queue: after outage'));
    await waitFor(() => texts(100).includes('queue: after outage'), 'delivered after three 503s', 15_000);
    const outageJob = async () => (await listJobs(db(), { kind: JOB_KINDS.notice })).find((j) => (j.payload as any).notice.text === 'queue: after outage');
    await waitFor(async () => (await outageJob())?.state === 'done', 'the job is marked done');
    const job = await outageJob();
    assert.equal(job?.attempts, 4);
  });

  test('429 with Retry-After: the job waits that long', async () => {
    sim.faults.failNext(1, 429, { retryAfter: 2 });
    await queueNotice(addon.addon.inviteDeps, oauthId, 101, notice('queue: after 429'));
    const job = async () => (await listJobs(db(), { kind: JOB_KINDS.notice })).find((j) => (j.payload as any).notice.text === 'queue: after 429');
    await waitFor(async () => (await job())?.lastError?.includes('429') ?? false, 'the 429 is recorded');
    const waiting = (await job())!;
    assert.ok(waiting.runAt - waiting.createdAt >= 2000, `rescheduled ${waiting.runAt - waiting.createdAt} ms after it was queued`);
    await waitFor(async () => (await job())?.state === 'done', 'delivered after the wait', 10_000);
    const done = (await job())!;
    assert.ok(done.updatedAt >= waiting.runAt, 'it ran only once its time had come');
    assert.equal(texts(101).filter((t) => t === 'queue: after 429').length, 1);
  });

  test('a permanent error is not retried and is kept as failed with its reason', async () => {
    sim.faults.failNext(1, 400);
    await queueNotice(addon.addon.inviteDeps, oauthId, 102, notice('queue: refused'), 'refused-key');
    await waitFor(async () => (await listJobs(db(), { state: 'failed' })).length > 0, 'the job fails');
    const [job] = await listJobs(db(), { state: 'failed' });
    assert.equal(job?.attempts, 1);
    assert.match(job!.lastError!, /400/);
    assert.ok(!texts(102).includes('queue: refused'));
  });

  test('notices to an archived room wait until it is unarchived', async () => {
    await setRoomArchived(db(), oauthId, 102, true);
    await queueNotice(addon.addon.inviteDeps, oauthId, 102, notice('queue: archived'));
    const [queued] = (await listJobs(db(), { kind: JOB_KINDS.notice })).filter((j) => (j.payload as any).notice.text === 'queue: archived');
    // Polls after it was queued pass it over: it is never claimed, so no attempt is spent on it.
    await addon.addon.worker.runOnce();
    await addon.addon.worker.runOnce();
    const waiting = await findJob(db(), queued!.id);
    assert.equal(waiting?.state, 'pending');
    assert.equal(waiting?.attempts, 0);
    assert.ok(!texts(102).includes('queue: archived'));
    await setRoomArchived(db(), oauthId, 102, false);
    addon.addon.worker.wake();
    await waitFor(() => texts(102).includes('queue: archived'), 'delivered after unarchive');
  });
});

describe('HipChat flood control', () => {
  test('100 notices to one room: 30 a minute are sent and the rest wait, with no 429 from HipChat', async () => {
    // A fresh room, for a window with nothing in it yet.
    const { roomId: freshRoom } = await sim.createRoom({ name: 'Flood test', ownerId: 1 });
    await enqueueJobs(
      db(),
      Array.from({ length: 100 }, (_, i) => ({ kind: JOB_KINDS.notice, installationId: oauthId, roomId: freshRoom, payload: { notice: notice(`flood ${i}`) } })),
    );
    addon.addon.worker.wake();
    const roomJobs = async () => (await listJobs(db(), { kind: JOB_KINDS.notice })).filter((j) => j.roomId === freshRoom);
    // The 31st is claimed, finds the room's window full and is put back until it frees; the ones behind it wait their turn.
    await waitFor(async () => {
      const jobs = await roomJobs();
      const head = jobs.find((j) => j.state !== 'done');
      const settled = jobs.filter((j) => j.state === 'done').length === 30 && jobs.filter((j) => j.state === 'pending').length === 70;
      return settled && head!.runAt > (await readDbNow(db()));
    }, 'the first 30 are sent, the next one is deferred and the rest are back in line', 20_000);
    const jobs = await roomJobs();
    const sent = sim.notifications(freshRoom).filter((n) => n.message.startsWith('flood '));
    assert.equal(sent.length, 30, 'exactly the flood limit within the minute');
    const waiting = jobs.filter((j) => j.state === 'pending');
    assert.equal(waiting.length, 70);
    assert.ok(waiting.every((j) => j.lastError === null && j.attempts === 0), 'waiting is not failing: no 429 was received');
    assert.deepEqual(sim.limitRefusals(), { rateLimit: 0, floodControl: 0 });
    const oldest = await db()('hipchat_calls').where({ installation_id: oauthId, room_id: freshRoom, notification: true }).min({ at: 'at' }).first();
    assert.equal(waiting[0]!.runAt, Number(oldest!.at) + 60_001, 'the next one waits until the oldest notice leaves the window');
    assert.deepEqual(sent.map((n) => n.message), Array.from({ length: 30 }, (_, i) => `flood ${i}`), 'in order');
  });
});

describe('housekeeping', () => {
  test('old finished jobs and old event keys are pruned; pending and recent ones stay', async () => {
    const { pruneOldRows } = await import('../../lib/store/jobs');
    const { markSeen } = await import('../../lib/store/invites');
    const now = await readDbNow(db());
    await markSeen(db(), oauthId, 'prune:old');
    await markSeen(db(), oauthId, 'prune:new');
    await db()('seen_events').where({ event_key: 'prune:old' }).update({ created_at: now - 8 * 24 * 3600_000 });
    await enqueueJobs(db(), [{ kind: 'test.prune', installationId: oauthId, payload: {} }, { kind: 'test.prune', installationId: oauthId, payload: {} }]);
    const [a, b] = await listJobs(db(), { kind: 'test.prune' });
    await db()('jobs').where({ id: a!.id }).update({ state: 'done', updated_at: now - 2 * 3600_000 });
    await db()('jobs').where({ id: b!.id }).update({ state: 'pending', run_at: now + 3600_000, updated_at: now - 2 * 3600_000 });
    await pruneOldRows(db());
    assert.deepEqual((await listJobs(db(), { kind: 'test.prune' })).map((j) => j.id), [b!.id]);
    const keys = (await db()('seen_events').whereIn('event_key', ['prune:old', 'prune:new']).select('event_key')).map((r) => r.event_key);
    assert.deepEqual(keys, ['prune:new']);
    await db()('jobs').where({ id: b!.id }).delete();
  });
});

describe('leases and several workers', () => {
  // These drive workers by hand, with job kinds the add-on's own worker has no handler for.
  before(() => addon.addon.worker.stop());

  test('a job whose worker died is claimed again when its lease runs out', async () => {
    const kind = 'test.lease';
    const ran: number[] = [];
    const handlers: Record<string, JobHandler> = { [kind]: { run: async (job) => void ran.push(job.id) } };
    await enqueueJobs(db(), [{ kind, installationId: oauthId, payload: {} }]);
    // A worker that dies right after its claim: it never runs or settles the job.
    const { claimJobs } = await import('../../lib/store/jobs');
    const [claimed] = await claimJobs(db(), { workerId: 'dead', leaseMs: 300, limit: 1, kinds: [kind] });
    assert.ok(claimed);
    const alive = new OutboxWorker({ db: db(), handlers, log: silent, workerId: 'alive' });
    assert.equal(await alive.runOnce(), 0, 'still leased');
    await waitFor(async () => (await readDbNow(db())) > claimed.leaseUntil!, 'the lease ran out');
    assert.equal(await alive.runOnce(), 1);
    assert.deepEqual(ran, [claimed.id]);
    assert.equal((await findJob(db(), claimed.id))?.state, 'done');
    assert.equal((await findJob(db(), claimed.id))?.attempts, 2);
  });

  test('two workers on one database deliver every job exactly once', async () => {
    const kind = 'test.once';
    const delivered: number[] = [];
    const handlers: Record<string, JobHandler> = {
      [kind]: {
        run: async (job) => {
          await new Promise((resolve) => setTimeout(resolve, 2));
          delivered.push((job.payload as { n: number }).n);
        },
      },
    };
    const second: Db = await openDb(addon.addon.config.database);
    try {
      await enqueueJobs(db(), Array.from({ length: 200 }, (_, n) => ({ kind, installationId: oauthId, roomId: 1000 + (n % 20), payload: { n } })));
      const a = new OutboxWorker({ db: db(), handlers, log: silent, workerId: 'a', batchSize: 7 });
      const b = new OutboxWorker({ db: second, handlers, log: silent, workerId: 'b', batchSize: 7 });
      const deadline = Date.now() + 30_000;
      while (delivered.length < 200 && Date.now() < deadline) await Promise.all([a.runOnce(), b.runOnce()]);
      assert.equal(delivered.length, 200);
      assert.equal(new Set(delivered).size, 200, 'no job ran twice');
      const jobs = (await listJobs(db(), { kind })).filter((j) => j.state === 'done');
      assert.equal(jobs.length, 200);
    } finally {
      await second.destroy();
    }
  });
});
