import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { OutboxWorker, type JobHandler } from '../../lib/outbox/worker';
import { enqueueJobs, listJobs } from '../../lib/store/jobs';
import { capturedLog, queueDatabase, type QueueDatabase } from '../helpers/queue';
import { waitFor } from '../helpers/wait';

/**
 * The polling loop claims the next batch while earlier ones still run. A job put back by one claim can
 * be in the next claim before the first has ended; the first claim ending must not take the job from
 * the second (it would be left unsettled, running, and run again once its lease ran out).
 */
let q: QueueDatabase;

before(async () => {
  q = await queueDatabase();
});
after(() => q.close());

test('a job put back and claimed again while its first claim still runs is settled once, by the second', async () => {
  const kind = 'test.pipeline';
  const runs: string[] = [];
  let openSlow!: () => void;
  const slowGate = new Promise<void>((resolve) => (openSlow = resolve));
  const jobState = async (name: string) => (await listJobs(q.db, { kind })).find((j) => (j.payload as { name: string }).name === name)?.state;
  const handler: JobHandler = {
    roomBound: true,
    async run(job) {
      const { name } = job.payload as { name: string };
      runs.push(name);
      if (name === 'slow') {
        await slowGate;
        return;
      }
      if (runs.filter((r) => r === 'again').length === 1) {
        // First run: "not now", due again at once, so the loop's next claim takes it.
        throw Object.assign(new Error('not yet'), { waited: true, retryAfterSeconds: 0 });
      }
      // Second run, in the second claim: let the first claim (still holding "slow") end before this one does.
      openSlow();
      await waitFor(async () => (await jobState('slow')) === 'done', 'the first claim’s slow job is done');
      await q.db.raw('select 1');
    },
  };
  const { log, lines } = capturedLog('warn');
  // Batches of 2, room for 2 of them: the first claim holds both jobs, the second takes "again" back.
  const worker = new OutboxWorker({ db: q.db, handlers: { [kind]: handler }, log, workerId: 'pipeline', pollMs: 20, batchSize: 2, maxInFlight: 4, leaseMs: 60_000 });
  await enqueueJobs(q.db, [
    { kind, installationId: q.installationId, roomId: 21, payload: { name: 'again' } },
    { kind, installationId: q.installationId, roomId: 22, payload: { name: 'slow' } },
  ]);
  worker.start();
  try {
    await waitFor(async () => (await jobState('again')) === 'done' && (await jobState('slow')) === 'done', 'both jobs are done', 15_000);
  } finally {
    await worker.stop();
  }
  assert.deepEqual(runs.filter((r) => r === 'again'), ['again', 'again'], 'put back once, then run once');
  assert.deepEqual(runs.filter((r) => r === 'slow'), ['slow']);
  const again = (await listJobs(q.db, { kind })).find((j) => (j.payload as { name: string }).name === 'again')!;
  assert.equal(again.attempts, 1, 'the wait did not spend an attempt');
  assert.deepEqual(lines.filter((line) => /lease|not settled/.test(line)), [], 'no lease was lost');
});
