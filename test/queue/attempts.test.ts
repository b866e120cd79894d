import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createLogger } from '../../lib/logger';
import { OutboxWorker, type JobHandler } from '../../lib/outbox/worker';
import { readDbNow } from '../../lib/store/clock';
import { enqueueJobs, findJob, listJobs } from '../../lib/store/jobs';
import { queueDatabase, type QueueDatabase } from '../helpers/queue';
import { waitFor } from '../helpers/wait';

/**
 * Attempts survive crashes: a job whose worker dies while running it counts the attempt, and once its
 * attempts are used up it is failed (its failure hook run once) instead of being run again.
 */
let q: QueueDatabase;
const silent = createLogger('silent');

before(async () => {
  q = await queueDatabase();
});
after(() => q.close());

/**
 * A worker on its own connection that starts the job and then "dies": its handler never returns and
 * its connection is closed, so it can neither settle the job nor renew the lease.
 */
async function dieRunning(kind: string, leaseMs: number): Promise<void> {
  const connection = await q.connect();
  let entered!: () => void;
  const started = new Promise<void>((resolve) => (entered = resolve));
  const doomed = new OutboxWorker({ db: connection, handlers: { [kind]: { run: () => (entered(), new Promise<void>(() => {})) } }, log: silent, leaseMs });
  void doomed.runOnce();
  await started;
  await connection.destroy();
}

test('a job that kills its worker every time stops after max_attempts: failed with the reason, hook run once, never run again', async () => {
  const kind = 'test.kills-its-worker';
  await enqueueJobs(q.db, [{ kind, installationId: q.installationId, payload: {}, maxAttempts: 3 }]);
  const [queued] = await listJobs(q.db, { kind });
  for (let attempt = 1; attempt <= 3; attempt++) {
    await dieRunning(kind, 200);
    const held = (await findJob(q.db, queued!.id))!;
    assert.equal(held.attempts, attempt);
    await waitFor(async () => (await readDbNow(q.db)) > held.leaseUntil!, `the lease of attempt ${attempt} ran out`);
  }

  const runs: number[] = [];
  const hooks: string[] = [];
  const handlers: Record<string, JobHandler> = {
    [kind]: {
      run: async (job) => void runs.push(job.attempts),
      onFailed: async (_job, error) => void hooks.push(error),
    },
  };
  const survivor = new OutboxWorker({ db: q.db, handlers, log: silent });
  assert.equal(await survivor.runOnce(), 1, 'the job is claimed once more, to be given up');
  assert.deepEqual(runs, [], 'it is not run a fourth time');
  assert.equal(hooks.length, 1);
  assert.match(hooks[0]!, /worker stopped while running it 3 times/);
  const failed = (await findJob(q.db, queued!.id))!;
  assert.equal(failed.state, 'failed');
  assert.equal(failed.attempts, 3);
  assert.equal(failed.lastError, hooks[0]);

  assert.equal(await survivor.runOnce(), 0);
  assert.deepEqual(runs, []);
  assert.equal(hooks.length, 1, 'the hook ran once');
});

test('attempts that threw and a crash on the last one: failed, and the reason counts only the crash', async () => {
  const kind = 'test.throws-then-kills';
  await enqueueJobs(q.db, [{ kind, installationId: q.installationId, payload: {}, maxAttempts: 2 }]);
  const [queued] = await listJobs(q.db, { kind });
  const hooks: string[] = [];
  const throwing = new OutboxWorker({ db: q.db, handlers: { [kind]: { run: async () => Promise.reject(Object.assign(new Error('HipChat answered 503'), { retryAfterSeconds: 0 })) } }, log: silent });
  assert.equal(await throwing.runOnce(), 1);
  assert.equal((await findJob(q.db, queued!.id))?.state, 'pending');
  await dieRunning(kind, 200);
  const held = (await findJob(q.db, queued!.id))!;
  assert.equal(held.attempts, 2);
  await waitFor(async () => (await readDbNow(q.db)) > held.leaseUntil!, 'the lease ran out');

  const survivor = new OutboxWorker({ db: q.db, handlers: { [kind]: { run: async () => assert.fail('not run again'), onFailed: async (_job, error) => void hooks.push(error) } }, log: silent });
  assert.equal(await survivor.runOnce(), 1);
  const failed = (await findJob(q.db, queued!.id))!;
  assert.equal(failed.state, 'failed');
  assert.equal(failed.attempts, 2);
  assert.match(failed.lastError!, /worker stopped while running it once; no attempts left \(2 of 2 used\)/);
  assert.deepEqual(hooks, [failed.lastError]);
});

test('a peer that says "not now" (429 with Retry-After, or a deliberate wait) does not use up attempts; other failures still do', async () => {
  const kind = 'test.rate-limited';
  await enqueueJobs(q.db, [{ kind, installationId: q.installationId, payload: {}, maxAttempts: 3 }]);
  const [queued] = await listJobs(q.db, { kind });
  let runs = 0;
  const refusals = [
    Object.assign(new Error('xMatters is limiting requests (429). Try again in 0 seconds.'), { code: 'rate_limited', retryable: true, retryAfterSeconds: 0 }),
    Object.assign(new Error('Waiting to see whether xMatters made the event'), { waited: true, retryable: true, retryAfterSeconds: 0 }),
  ];
  const hooks: string[] = [];
  const worker = new OutboxWorker({
    db: q.db,
    handlers: {
      [kind]: {
        run: async () => {
          runs += 1;
          // Five "not now" answers (more than max_attempts), then one real failure, then success.
          if (runs <= 5) throw refusals[runs % 2]!;
          if (runs === 6) throw Object.assign(new Error('xMatters had a problem (500)'), { retryable: true, retryAfterSeconds: 0 });
        },
        onFailed: async (_job, error) => void hooks.push(error),
      },
    },
    log: silent,
  });
  for (let i = 0; i < 7; i++) {
    await waitFor(async () => (await readDbNow(q.db)) >= (await findJob(q.db, queued!.id))!.runAt, 'the job is due');
    await worker.runOnce();
  }
  const job = (await findJob(q.db, queued!.id))!;
  assert.deepEqual([job.state, runs, hooks], ['done', 7, []], 'run seven times and done, never given up');
  assert.equal(job.attempts, 2, 'the attempts counted are the failure and the success');
});

test('a room-bound job that keeps failing retries within roomBackoffMaxMs, since every notice of its room waits behind it', async () => {
  const kind = 'test.room-bound-flaky';
  await enqueueJobs(q.db, [{ kind, installationId: q.installationId, roomId: 7, payload: {}, maxAttempts: 10 }]);
  const [queued] = await listJobs(q.db, { kind });
  const worker = new OutboxWorker({
    db: q.db,
    handlers: { [kind]: { roomBound: true, run: async () => Promise.reject(Object.assign(new Error('HipChat answered 502'), { retryable: true })) } },
    log: silent,
    backoffBaseMs: 400,
    backoffMaxMs: 600_000,
    roomBackoffMaxMs: 500,
  });
  const waits: number[] = [];
  for (let attempt = 1; attempt <= 5; attempt++) {
    await waitFor(async () => (await readDbNow(q.db)) >= (await findJob(q.db, queued!.id))!.runAt, `attempt ${attempt} is due`, 10_000);
    assert.equal(await worker.runOnce(), 1);
    const job = (await findJob(q.db, queued!.id))!;
    waits.push(job.runAt - (await readDbNow(q.db)));
  }
  // Uncapped, the fifth wait would be 3.2–6.4 s (400 ms · 2⁴, with jitter).
  assert.ok(waits.every((w) => w <= 500), `waits ${waits.join(', ')} ms`);
  assert.equal((await findJob(q.db, queued!.id))!.attempts, 5);
});
