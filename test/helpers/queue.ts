import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../lib/logger';
import type { OutboxWorker } from '../../lib/outbox/worker';
import { openDb, type Db } from '../../lib/store/db';
import { freshDatabase, type TestDatabase } from './db';
import { saveTestInstallation } from './store';

export interface QueueDatabase {
  database: TestDatabase;
  db: Db;
  /** An installation the test's jobs belong to (jobs reference one). */
  installationId: string;
  /** Another connection (pool) to the same database, as a second instance has. */
  connect(): Promise<Db>;
  close(): Promise<void>;
}

/** A fresh, migrated database (SQLite, or PostgreSQL under TEST_DATABASE_URL) with one installation row. */
export async function queueDatabase(): Promise<QueueDatabase> {
  const database = await freshDatabase();
  const db = await openDb(database.database);
  const installationId = 'queue-test-installation';
  await saveTestInstallation(db, installationId, {
    groupName: 'Queue tests',
    capabilitiesUrl: 'https://hipchat.invalid/v2/capabilities',
    apiUrl: 'https://hipchat.invalid/v2',
    tokenUrl: 'https://hipchat.invalid/v2/oauth/token',
  });
  const others: Db[] = [];
  return {
    database,
    db,
    installationId,
    async connect() {
      const other = await openDb(database.database);
      others.push(other);
      return other;
    },
    async close() {
      for (const other of others) await other.destroy();
      await db.destroy();
      await database.drop();
    },
  };
}

/** A logger whose lines are kept, for asserting what a worker said. */
export function capturedLog(level = 'warn'): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  return { log: createLogger(level, sink), lines };
}

/** Polls the workers side by side until `done` holds, bounded by `timeoutMs`. */
export async function drive(workers: OutboxWorker[], done: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms driving the workers until ${what}`);
    await Promise.all(workers.map((worker) => worker.runOnce()));
  }
}
