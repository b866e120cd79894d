import type { Knex } from 'knex';
import type { Db } from './db';
import { toMs } from './db';

export type JobState = 'pending' | 'running' | 'done' | 'failed';

export interface Job<P = unknown> {
  id: number;
  kind: string;
  installationId: string;
  roomId: number | null;
  payload: P;
  dedupeKey: string | null;
  state: JobState;
  attempts: number;
  maxAttempts: number;
  runAt: number;
  leaseUntil: number | null;
  lastError: string | null;
  createdAt: number;
}

export interface NewJob {
  kind: string;
  installationId: string;
  roomId?: number | null;
  payload: unknown;
  /** When set, a second job with the same key is not created (the first one stands). */
  dedupeKey?: string;
  maxAttempts?: number;
  runAt?: number;
}

type Row = Record<string, unknown>;
type Executor = Db | Knex.Transaction;

function fromRow(row: Row): Job {
  return {
    id: Number(row.id),
    kind: String(row.kind),
    installationId: String(row.installation_id),
    roomId: row.room_id === null || row.room_id === undefined ? null : Number(row.room_id),
    payload: JSON.parse(String(row.payload)),
    dedupeKey: (row.dedupe_key as string | null) ?? null,
    state: row.state as JobState,
    attempts: Number(row.attempts),
    maxAttempts: Number(row.max_attempts),
    runAt: toMs(row.run_at),
    leaseUntil: row.lease_until === null ? null : toMs(row.lease_until),
    lastError: (row.last_error as string | null) ?? null,
    createdAt: toMs(row.created_at),
  };
}

export const DEFAULT_MAX_ATTEMPTS = 10;

/** Adds jobs; usable inside the transaction that writes what the jobs deliver. */
export async function enqueueJobs(db: Executor, jobs: NewJob[]): Promise<void> {
  if (jobs.length === 0) return;
  const now = Date.now();
  const rows = jobs.map((job) => ({
    kind: job.kind,
    installation_id: job.installationId,
    room_id: job.roomId ?? null,
    payload: JSON.stringify(job.payload),
    dedupe_key: job.dedupeKey ?? null,
    state: 'pending',
    attempts: 0,
    max_attempts: job.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    run_at: job.runAt ?? now,
    created_at: now,
    updated_at: now,
  }));
  for (const row of rows) {
    if (row.dedupe_key === null) await db('jobs').insert(row);
    else await db('jobs').insert(row).onConflict('dedupe_key').ignore();
  }
}

/**
 * Leases up to `limit` due jobs to a worker: pending ones whose time has come, and running ones whose
 * worker's lease ran out (it died). Jobs of the `roomBound` kinds wait while their room is archived.
 * On PostgreSQL concurrent workers skip each other's rows (FOR UPDATE SKIP LOCKED); SQLite has a single
 * writer.
 */
export async function claimJobs(db: Db, opts: { workerId: string; now: number; leaseMs: number; limit: number; roomBound?: string[] }): Promise<Job[]> {
  const pg = db.client.config.client === 'pg';
  const roomBound = opts.roomBound?.length ? opts.roomBound : [''];
  const select = `
    select j.id from jobs j
    where ((j.state = 'pending' and j.run_at <= ?) or (j.state = 'running' and j.lease_until < ?))
      and not (j.kind in (${roomBound.map(() => '?').join(', ')}) and exists (
        select 1 from rooms r
        where r.installation_id = j.installation_id and r.room_id = j.room_id and r.archived = ?
      ))
    order by j.run_at, j.id
    limit ?
    ${pg ? 'for update skip locked' : ''}`;
  const result = await db.raw(
    `update jobs set state = 'running', attempts = attempts + 1, lease_until = ?, locked_by = ?, updated_at = ?
     where id in (${select})
     returning *`,
    [opts.now + opts.leaseMs, opts.workerId, opts.now, opts.now, opts.now, ...roomBound, true, opts.limit],
  );
  const rows: Row[] = pg ? result.rows : result;
  return rows.map(fromRow).sort((a, b) => a.runAt - b.runAt || a.id - b.id);
}

/** Updates a job only while this worker still holds its lease; false when the lease was lost. */
async function settle(db: Db, job: Job, workerId: string, fields: Row): Promise<boolean> {
  const updated = await db('jobs')
    .where({ id: job.id, state: 'running', locked_by: workerId })
    .update({ ...fields, lease_until: null, locked_by: null, updated_at: Date.now() });
  return updated > 0;
}

/** Extends this worker's lease before it starts the job; false when another worker took it over. */
export async function renewLease(db: Db, job: Job, workerId: string, leaseUntil: number): Promise<boolean> {
  const updated = await db('jobs').where({ id: job.id, state: 'running', locked_by: workerId }).update({ lease_until: leaseUntil });
  return updated > 0;
}

export function completeJob(db: Db, job: Job, workerId: string): Promise<boolean> {
  return settle(db, job, workerId, { state: 'done', last_error: null });
}

export function retryJob(db: Db, job: Job, workerId: string, runAt: number, error: string): Promise<boolean> {
  return settle(db, job, workerId, { state: 'pending', run_at: runAt, last_error: error });
}

export function failJob(db: Db, job: Job, workerId: string, error: string): Promise<boolean> {
  return settle(db, job, workerId, { state: 'failed', last_error: error });
}

/** Puts a job back without counting the attempt (it waited for a rate limit, it did not fail). */
export function deferJob(db: Db, job: Job, workerId: string, runAt: number): Promise<boolean> {
  return settle(db, job, workerId, { state: 'pending', run_at: runAt, attempts: job.attempts - 1 });
}

/**
 * How many jobs of these kinds count against a rate limit since `since`: the ones finished in the
 * window and the ones other workers are running now (this worker's own run one after another, behind
 * the job asking). `oldest` is the earliest of them.
 */
export async function countRecent(db: Db, opts: { kinds: string[]; installationId: string; roomId?: number | null; since: number; workerId: string }): Promise<{ count: number; oldest: number | null }> {
  const query = db('jobs')
    .where({ installation_id: opts.installationId })
    .whereIn('kind', opts.kinds)
    .where((q) => q.where((d) => d.where({ state: 'done' }).where('updated_at', '>', opts.since)).orWhere((r) => r.where({ state: 'running' }).whereNot({ locked_by: opts.workerId })));
  if (opts.roomId !== undefined) query.where({ room_id: opts.roomId });
  const row = (await query.count({ n: '*' }).min({ oldest: 'updated_at' }).first()) as Row | undefined;
  return { count: Number(row?.n ?? 0), oldest: row?.oldest === null || row?.oldest === undefined ? null : toMs(row.oldest) };
}

/**
 * Housekeeping: finished jobs once they no longer count against a rate limit (failed ones are kept a
 * month for inspection), and the keys of handled callbacks and webhooks once no peer would repeat them.
 */
export async function pruneOldRows(db: Db, now: number): Promise<number> {
  const hour = 60 * 60_000;
  const done = await db('jobs').where({ state: 'done' }).where('updated_at', '<', now - hour).delete();
  const failed = await db('jobs').where({ state: 'failed' }).where('updated_at', '<', now - 30 * 24 * hour).delete();
  const seen = await db('seen_events').where('created_at', '<', now - 7 * 24 * hour).delete();
  return done + failed + seen;
}

export async function findJob(db: Db, id: number): Promise<Job | undefined> {
  const row = await db('jobs').where({ id }).first();
  return row ? fromRow(row) : undefined;
}

export async function listJobs(db: Db, where: Partial<{ state: JobState; kind: string; installation_id: string }> = {}): Promise<Job[]> {
  return (await db('jobs').where(where).orderBy('id')).map(fromRow);
}
