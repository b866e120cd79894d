import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createLogger } from '../../lib/logger';
import { OutboxWorker, type JobHandler } from '../../lib/outbox/worker';
import { dbTime, readDbNow } from '../../lib/store/clock';
import { enqueueJobs, findJob, listJobs } from '../../lib/store/jobs';
import { capturedLog, queueDatabase, type QueueDatabase } from '../helpers/queue';
import { waitFor } from '../helpers/wait';

/** Leases are renewed while a job runs, so no second worker runs it; a worker that finds its lease lost leaves the job alone. */
let q: QueueDatabase;

before(async () => {
  q = await queueDatabase();
});
after(() => q.close());

/** A handler that runs until the test lets it finish. */
function heldOpen() {
  let finish!: () => void;
  let entered!: () => void;
  const started = new Promise<void>((resolve) => (entered = resolve));
  const released = new Promise<void>((resolve) => (finish = resolve));
  let runs = 0;
  const handler: JobHandler = {
    async run() {
      runs++;
      entered();
      await released;
    },
  };
  return { handler, started, finish, runs: () => runs };
}

test('a job running longer than its lease keeps it: renewed while it runs, and a second worker does not take it', async () => {
  const kind = 'test.long-running';
  const job = heldOpen();
  await enqueueJobs(q.db, [{ kind, installationId: q.installationId, payload: {} }]);
  const [queued] = await listJobs(q.db, { kind });
  const first = new OutboxWorker({ db: q.db, handlers: { [kind]: job.handler }, log: createLogger('silent'), leaseMs: 1500 });
  const running = first.runOnce();
  await job.started;
  const firstLease = (await findJob(q.db, queued!.id))!.leaseUntil!;
  await waitFor(
    async () => {
      const now = await readDbNow(q.db);
      return now > firstLease && (await findJob(q.db, queued!.id))!.leaseUntil! > now;
    },
    'the job outlived its first lease and still holds one',
    20_000,
  );
  const second = new OutboxWorker({ db: await q.connect(), handlers: { [kind]: job.handler }, log: createLogger('silent'), leaseMs: 1500 });
  assert.equal(await second.runOnce(), 0, 'the second worker claims nothing');
  job.finish();
  assert.equal(await running, 1);
  const done = (await findJob(q.db, queued!.id))!;
  assert.equal(done.state, 'done');
  assert.equal(done.attempts, 1);
  assert.equal(job.runs(), 1);
});

test('a worker whose renewal finds the lease taken over logs it and does not settle the job', async () => {
  const kind = 'test.taken-over';
  const job = heldOpen();
  const { log, lines } = capturedLog();
  await enqueueJobs(q.db, [{ kind, installationId: q.installationId, payload: {} }]);
  const [queued] = await listJobs(q.db, { kind });
  const worker = new OutboxWorker({ db: q.db, handlers: { [kind]: job.handler }, log, leaseMs: 600 });
  const running = worker.runOnce();
  await job.started;
  // What a takeover looks like in the table: another worker holds the lease now.
  await q.db('jobs').where({ id: queued!.id }).update({ locked_by: 'another-worker', lease_until: dbTime(q.db, 60_000) });
  await waitFor(() => lines.some((line) => line.includes('lease lost') && line.includes(`"jobId":${queued!.id}`)), 'the worker logs that its lease was lost');
  job.finish();
  await running;
  const after = (await findJob(q.db, queued!.id))!;
  assert.equal(after.state, 'running', 'left as the other worker holds it');
  assert.equal((await q.db('jobs').where({ id: queued!.id }).first()).locked_by, 'another-worker');
  assert.equal(after.attempts, 1);
});

test('a job finished earlier in a batch is no longer held: the heartbeat for the slow one beside it logs no lost lease', async () => {
  const slowKind = 'test.slow-beside';
  const quickKind = 'test.quick-beside';
  const slow = heldOpen();
  let quickRuns = 0;
  const { log, lines } = capturedLog();
  await enqueueJobs(q.db, [
    { kind: quickKind, installationId: q.installationId, payload: {} },
    { kind: slowKind, installationId: q.installationId, payload: {} },
  ]);
  const [quick] = await listJobs(q.db, { kind: quickKind });
  const [held] = await listJobs(q.db, { kind: slowKind });
  const worker = new OutboxWorker({ db: q.db, handlers: { [slowKind]: slow.handler, [quickKind]: { async run() { quickRuns++; } } }, log, leaseMs: 600 });
  const running = worker.runOnce();
  await slow.started;
  await waitFor(async () => (await findJob(q.db, quick!.id))!.state === 'done', 'the quick job is done');
  const leaseAfterQuick = (await findJob(q.db, held!.id))!.leaseUntil!;
  // Two renewals later (one every 200 ms) the heartbeat has looked at the held jobs again.
  await waitFor(async () => (await findJob(q.db, held!.id))!.leaseUntil! > leaseAfterQuick + 300, 'the slow job\'s lease was renewed after the quick one finished', 20_000);
  slow.finish();
  assert.equal(await running, 2);
  assert.equal(quickRuns, 1);
  assert.equal((await findJob(q.db, held!.id))!.state, 'done');
  assert.deepEqual(lines.filter((line) => line.includes('lease lost') || line.includes('taken over')), [], 'no lost lease is reported');
});
