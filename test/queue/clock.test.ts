import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createLogger } from '../../lib/logger';
import { OutboxWorker, type JobHandler } from '../../lib/outbox/worker';
import { readDbNow } from '../../lib/store/clock';
import { enqueueJobs, findJob, listJobs } from '../../lib/store/jobs';
import { queueDatabase, type QueueDatabase } from '../helpers/queue';

/**
 * One clock: instances whose own clocks are an hour off (simulated by shifting Date.now while they
 * act) decide exactly as an instance with the right time would, because every time the queue
 * compares is the database's.
 */
let q: QueueDatabase;
const silent = createLogger('silent');
const HOUR = 60 * 60_000;

before(async () => {
  q = await queueDatabase();
});
after(() => q.close());

/** Runs `act` as an instance whose clock is `skewMs` off. */
async function skewed<T>(skewMs: number, act: () => Promise<T>): Promise<T> {
  const realNow = Date.now;
  Date.now = () => realNow() + skewMs;
  try {
    return await act();
  } finally {
    Date.now = realNow;
  }
}

let kinds = 0;
function recordingKind(run?: JobHandler['run']) {
  const kind = `test.clock-${++kinds}`;
  const ran: number[] = [];
  const handlers: Record<string, JobHandler> = {
    [kind]: {
      async run(job, log) {
        ran.push(job.id);
        await run?.(job, log);
      },
    },
  };
  return { kind, ran, handlers };
}

test('a worker an hour ahead takes no job before its time and no lease that is still held', async () => {
  const { kind, ran, handlers } = recordingKind();
  await enqueueJobs(q.db, [{ kind, installationId: q.installationId, payload: {} }]);
  const [later] = await listJobs(q.db, { kind });
  await q.db('jobs').where({ id: later!.id }).update({ run_at: Number(later!.runAt) + 10 * 60_000 });

  let holding!: () => void;
  const holds = new Promise<void>((resolve) => (holding = resolve));
  const held = recordingKind(() => (holding(), new Promise(() => {})));
  await enqueueJobs(q.db, [{ kind: held.kind, installationId: q.installationId, payload: {} }]);
  const holder = new OutboxWorker({ db: await q.connect(), handlers: held.handlers, log: silent, workerId: 'on-time' });
  void holder.runOnce();
  await holds;
  const [leased] = await listJobs(q.db, { kind: held.kind });
  assert.ok(leased);

  const ahead = new OutboxWorker({ db: q.db, handlers: { ...handlers, ...held.handlers }, log: silent, workerId: 'an-hour-ahead' });
  assert.equal(await skewed(HOUR, () => ahead.runOnce()), 0);
  assert.deepEqual(ran, []);
  assert.equal((await findJob(q.db, later!.id))?.state, 'pending');
  assert.equal((await q.db('jobs').where({ id: leased.id }).first()).locked_by, 'on-time');
});

test('a worker an hour behind runs what is due now, and holds a lease that the others respect', async () => {
  let leaseSeenWhileRunning: { leaseUntil: number; now: number } | undefined;
  const { kind, ran, handlers } = recordingKind(async (job) => {
    leaseSeenWhileRunning = { leaseUntil: (await findJob(q.db, job.id))!.leaseUntil!, now: await readDbNow(q.db) };
  });
  await enqueueJobs(q.db, [{ kind, installationId: q.installationId, payload: {} }]);
  const behind = new OutboxWorker({ db: q.db, handlers, log: silent, workerId: 'an-hour-behind', leaseMs: 60_000 });
  assert.equal(await skewed(-HOUR, () => behind.runOnce()), 1);
  assert.equal(ran.length, 1);
  assert.ok(leaseSeenWhileRunning!.leaseUntil > leaseSeenWhileRunning!.now + 50_000, 'its lease runs a minute from the database clock');
});

test('a retry scheduled by a worker an hour ahead is due by the database clock, and so is a job it enqueues', async () => {
  const { kind, handlers } = recordingKind(async () => {
    throw Object.assign(new Error('HipChat answered 429'), { retryAfterSeconds: 1 });
  });
  await skewed(HOUR, () => enqueueJobs(q.db, [{ kind, installationId: q.installationId, payload: {} }]));
  const [queued] = await listJobs(q.db, { kind });
  assert.ok(queued!.runAt <= (await readDbNow(q.db)), 'due as soon as it is written');
  const ahead = new OutboxWorker({ db: q.db, handlers, log: silent, workerId: 'an-hour-ahead' });
  assert.equal(await skewed(HOUR, () => ahead.runOnce()), 1);
  const retried = (await findJob(q.db, queued!.id))!;
  assert.equal(retried.state, 'pending');
  assert.ok(retried.runAt - (await readDbNow(q.db)) <= 1000, 'due again in a second, not in an hour');
  assert.ok(retried.runAt - retried.updatedAt >= 999, 'and not at once');
});

test('the database clock reads the same all through one statement', async () => {
  const { isPg, nowSql } = await import('../../lib/store/clock');
  // Something that takes a while between two readings of the clock in one statement.
  const pause = isPg(q.db) ? 'pg_sleep(0.05)' : '(with recursive c(x) as (select 1 union all select x + 1 from c where x < 300000) select count(*) from c)';
  const result = await q.db.raw(`select ${nowSql(q.db)} as first, ${pause} as pause, ${nowSql(q.db)} as second`);
  const row = (isPg(q.db) ? result.rows[0] : result[0]) as { first: unknown; second: unknown };
  assert.equal(Number(row.second), Number(row.first));
});
