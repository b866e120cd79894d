import { setTimeout as pause } from 'node:timers/promises';
import { loadConfig } from '../../lib/config';
import { createLogger } from '../../lib/logger';
import { OutboxWorker, type JobHandler } from '../../lib/outbox/worker';
import { openDb } from '../../lib/store/db';
import type { Job } from '../../lib/store/jobs';

/**
 * One instance of the delivery queue in a process of its own, for tests: the database of
 * DATABASE_URL, worker WORKER_ID with a lease of LEASE_MS, and job kinds that report what they do
 * to COLLECTOR_URL (a server in the test). `test.room` jobs are room-bound; a `test.crash` job kills
 * the process that runs it.
 */
const env = process.env;
const db = await openDb(loadConfig(env).database);
const report = async (what: Record<string, unknown>) => {
  const res = await fetch(env.COLLECTOR_URL!, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...what, worker: env.WORKER_ID, pid: process.pid }) });
  if (!res.ok) throw new Error(`collector answered ${res.status}`);
};
const handlers: Record<string, JobHandler> = {
  'test.room': {
    roomBound: true,
    async run(job: Job) {
      await report({ kind: 'room', id: job.id, room: job.roomId, n: (job.payload as { n: number }).n });
      await pause(Math.floor(Math.random() * 15)); // some work after the delivery, as a real call has
    },
  },
  'test.crash': {
    async run(job: Job) {
      await report({ kind: 'crash', id: job.id, attempt: job.attempts });
      process.kill(process.pid, 'SIGKILL');
      await new Promise(() => {});
    },
    async onFailed(job: Job, error: string) {
      await report({ kind: 'failed', id: job.id, error });
    },
  },
};
const worker = new OutboxWorker({ db, handlers, log: createLogger('warn'), workerId: env.WORKER_ID!, leaseMs: Number(env.LEASE_MS), pollMs: 50, batchSize: 4 });
worker.start();
await report({ kind: 'ready' });
