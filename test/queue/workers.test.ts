import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { enqueueJobs, findJob, listJobs } from '../../lib/store/jobs';
import { queueDatabase, type QueueDatabase } from '../helpers/queue';
import { waitFor } from '../helpers/wait';

/**
 * Two instances of the queue in processes of their own, on one database, their clocks a few seconds
 * apart (more than a lease): a room's jobs still run in order and once each, and a job that kills
 * the process running it is given up after max_attempts. Runs on PostgreSQL under TEST_DATABASE_URL
 * (`npm run test:pg`), and on SQLite, where several processes share one file through its lock.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const LEASE_MS = 2000;
const SKEWS: Record<string, number> = { ahead: 3000, behind: -3000 };

interface Report {
  kind: 'ready' | 'room' | 'crash' | 'failed';
  worker: string;
  pid: number;
  id?: number;
  room?: number;
  n?: number;
  attempt?: number;
  error?: string;
}

let q: QueueDatabase;
let collector: Server;
let collectorUrl: string;
const reports: Report[] = [];
const workers = new Map<string, ChildProcess>();
let starts = 0;
let stopping = false;

before(async () => {
  q = await queueDatabase();
  collector = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      reports.push(JSON.parse(body) as Report);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
  collectorUrl = `http://127.0.0.1:${(collector.address() as AddressInfo).port}/`;
});
after(async () => {
  stopping = true;
  for (const child of workers.values()) child.kill('SIGKILL');
  collector.closeAllConnections();
  await new Promise((resolve) => collector.close(resolve));
  await q.close();
});

/** Starts an instance, and starts it again whenever it is killed, as a process manager would (bounded). */
function startWorker(name: string): void {
  if (++starts > 12) throw new Error('workers were started more than 12 times');
  const child = spawn(process.execPath, ['--import', 'tsx', '--import', './test/helpers/skewed-clock.ts', 'test/helpers/queue-worker.ts'], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: q.database.url, COLLECTOR_URL: collectorUrl, WORKER_ID: name, LEASE_MS: String(LEASE_MS), CLOCK_SKEW_MS: String(SKEWS[name]) },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  workers.set(name, child);
  child.once('exit', (_code, signal) => {
    if (signal === 'SIGKILL' && workers.get(name) === child && !stopping) startWorker(name);
  });
}

const of = (kind: Report['kind']) => reports.filter((r) => r.kind === kind);

test('Two workers on one PostgreSQL database with skewed clocks (simulated) deliver a room’s jobs in order, each once, and a job that crashes its worker stops after max_attempts', { timeout: 180_000 }, async () => {
  for (const name of Object.keys(SKEWS)) startWorker(name);
  await waitFor(() => new Set(of('ready').map((r) => r.worker)).size === 2, 'both instances are up', 60_000, 50);

  // A room's jobs, interleaved with other rooms' as they arrive.
  const rooms = [201, 202, 203, 204, 205, 206];
  const perRoom = 20;
  await enqueueJobs(q.db, Array.from({ length: rooms.length * perRoom }, (_, i) => ({ kind: 'test.room', installationId: q.installationId, roomId: rooms[i % rooms.length]!, payload: { n: Math.floor(i / rooms.length) } })));
  await waitFor(async () => (await listJobs(q.db, { kind: 'test.room', state: 'done' })).length === rooms.length * perRoom, 'every room job is done', 90_000, 50);
  const deliveries = of('room');
  const duplicates = deliveries.length - new Set(deliveries.map((r) => r.id)).size;
  for (const room of rooms) {
    assert.deepEqual(deliveries.filter((r) => r.room === room).map((r) => r.n), Array.from({ length: perRoom }, (_, n) => n), `room ${room}: in order, each once`);
  }
  assert.equal(duplicates, 0);
  const byWorker = Object.fromEntries(Object.keys(SKEWS).map((name) => [name, deliveries.filter((r) => r.worker === name).length]));
  assert.ok(Object.values(byWorker).every((count) => count > 0), `both instances delivered: ${JSON.stringify(byWorker)}`);

  // A job that kills whichever process runs it.
  await enqueueJobs(q.db, [{ kind: 'test.crash', installationId: q.installationId, payload: {}, maxAttempts: 3 }]);
  const [crashing] = await listJobs(q.db, { kind: 'test.crash' });
  await waitFor(async () => (await findJob(q.db, crashing!.id))?.state === 'failed', 'the crashing job is given up', 90_000, 50);
  await waitFor(() => of('failed').length > 0, 'its failure hook reported');
  const failed = (await findJob(q.db, crashing!.id))!;
  assert.equal(failed.attempts, 3);
  assert.match(failed.lastError!, /worker stopped while running it 3 times/);
  assert.deepEqual(of('crash').map((r) => r.attempt), [1, 2, 3], 'run three times, each in a process it then killed');

  // The instances keep working (and polling) after it: it is never run again, its hook never again.
  await enqueueJobs(q.db, rooms.map((room) => ({ kind: 'test.room', installationId: q.installationId, roomId: room, payload: { n: perRoom } })));
  await waitFor(async () => (await listJobs(q.db, { kind: 'test.room', state: 'done' })).length === rooms.length * (perRoom + 1), 'later jobs are done', 60_000, 50);
  assert.equal(of('crash').length, 3);
  assert.equal(of('failed').length, 1);
  assert.equal((await findJob(q.db, crashing!.id))?.state, 'failed');
  console.log(`# workers: ${deliveries.length} room jobs by ${JSON.stringify(byWorker)}, duplicates ${duplicates}; crashing job runs ${of('crash').length}, hook runs ${of('failed').length}`);
});
