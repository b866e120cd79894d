import assert from 'node:assert/strict';
import { setTimeout as pause } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import { createLogger } from '../../lib/logger';
import { OutboxWorker, type JobHandler } from '../../lib/outbox/worker';
import { readDbNow } from '../../lib/store/clock';
import { enqueueJobs, listJobs } from '../../lib/store/jobs';
import { drive, queueDatabase, type QueueDatabase } from '../helpers/queue';

/**
 * Room order across workers: the jobs of one room run in id order, one at a time, whichever worker
 * claims them (on PostgreSQL with claims that race each other); a worker takes several of a room's
 * jobs in one claim; one that has to wait holds back the ones behind it.
 */
let q: QueueDatabase;
const silent = createLogger('silent');

before(async () => {
  q = await queueDatabase();
});
after(() => q.close());

/** A room-bound kind that records, per room, the order its jobs ran in and any overlap between them. */
function orderedKind(kind: string, fail?: (n: number) => Error | undefined) {
  const order = new Map<number, number[]>();
  const busy = new Set<number>();
  const overlaps: string[] = [];
  const handler: JobHandler = {
    roomBound: true,
    async run(job) {
      const room = job.roomId!;
      const { n } = job.payload as { n: number };
      if (busy.has(room)) overlaps.push(`room ${room}: job ${n} started while another of its jobs ran`);
      busy.add(room);
      try {
        order.set(room, [...(order.get(room) ?? []), n]);
        await pause(Math.floor(Math.random() * 4)); // some work, so that runs could overlap
        const error = fail?.(n);
        if (error) throw error;
      } finally {
        busy.delete(room);
      }
    },
  };
  return { handlers: { [kind]: handler }, order, overlaps };
}

test('two workers claiming at the same time run each room’s jobs in id order, each once', async () => {
  const kind = 'test.room-order';
  const rooms = [11, 12, 13, 14, 15];
  const perRoom = 30;
  const { handlers, order, overlaps } = orderedKind(kind);
  // Interleaved, as notices to several rooms arrive.
  await enqueueJobs(q.db, Array.from({ length: rooms.length * perRoom }, (_, i) => ({ kind, installationId: q.installationId, roomId: rooms[i % rooms.length]!, payload: { n: Math.floor(i / rooms.length) } })));
  const a = new OutboxWorker({ db: q.db, handlers, log: silent, workerId: 'a', batchSize: 4 });
  const b = new OutboxWorker({ db: await q.connect(), handlers, log: silent, workerId: 'b', batchSize: 4 });
  await drive([a, b], async () => (await listJobs(q.db, { kind, state: 'done' })).length === rooms.length * perRoom, 'every job is done', 60_000);

  assert.deepEqual(overlaps, []);
  for (const room of rooms) assert.deepEqual(order.get(room), Array.from({ length: perRoom }, (_, n) => n), `room ${room} in order, each once`);
});

test('one claim takes a run of a room’s jobs, and runs them in order', async () => {
  const kind = 'test.room-batch';
  const { handlers, order } = orderedKind(kind);
  await enqueueJobs(q.db, Array.from({ length: 8 }, (_, n) => ({ kind, installationId: q.installationId, roomId: 21, payload: { n } })));
  const worker = new OutboxWorker({ db: q.db, handlers, log: silent, batchSize: 10 });
  assert.equal(await worker.runOnce(), 8);
  assert.deepEqual(order.get(21), [0, 1, 2, 3, 4, 5, 6, 7]);
});

test('a room’s job that must wait holds back the ones behind it, which keep their attempts', async () => {
  const kind = 'test.room-retry';
  let failures = 1;
  const { handlers, order } = orderedKind(kind, (n) => (n === 0 && failures-- > 0 ? Object.assign(new Error('HipChat answered 503'), { retryAfterSeconds: 3 }) : undefined));
  await enqueueJobs(q.db, Array.from({ length: 4 }, (_, n) => ({ kind, installationId: q.installationId, roomId: 31, payload: { n } })));
  const worker = new OutboxWorker({ db: q.db, handlers, log: silent, batchSize: 10 });
  assert.equal(await worker.runOnce(), 4);
  assert.deepEqual(order.get(31), [0], 'nothing ran after the job that failed');
  const [head, ...behind] = await listJobs(q.db, { kind });
  assert.equal(head!.state, 'pending');
  assert.ok(head!.runAt > (await readDbNow(q.db)), 'the failed one is due again later');
  assert.equal(head!.attempts, 1);
  assert.ok(behind.every((job) => job.state === 'pending' && job.attempts === 0), 'the others were put back without an attempt');
  assert.equal(await worker.runOnce(), 0, 'and are not claimed while the first one waits');

  await drive([worker], async () => (await listJobs(q.db, { kind, state: 'done' })).length === 4, 'all four are done', 10_000);
  assert.deepEqual(order.get(31), [0, 0, 1, 2, 3]);
});
