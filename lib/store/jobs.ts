import type { Knex } from 'knex';
import type { Db } from './db';
import { toMs } from './db';
import { dbTime, isPg, nowSql } from './clock';
import { pruneCalls } from './hipchat-calls';

export type JobState = 'pending' | 'running' | 'done' | 'failed';

export interface Job<P = unknown> {
  id: number;
  kind: string;
  installationId: string;
  roomId: number | null;
  payload: P;
  dedupeKey: string | null;
  state: JobState;
  /** Runs started, this one included. */
  attempts: number;
  maxAttempts: number;
  /** Times a worker stopped while running it (it died or lost its lease). */
  abandonedRuns: number;
  runAt: number;
  leaseUntil: number | null;
  lastError: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface NewJob {
  kind: string;
  installationId: string;
  roomId?: number | null;
  payload: unknown;
  /** When set, a second job with the same key is not created (the first one stands). */
  dedupeKey?: string;
  maxAttempts?: number;
  /** Due this long after it is written (database time); now by default. */
  delayMs?: number;
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
    abandonedRuns: Number(row.abandoned_runs ?? 0),
    runAt: toMs(row.run_at),
    leaseUntil: row.lease_until === null ? null : toMs(row.lease_until),
    lastError: (row.last_error as string | null) ?? null,
    createdAt: toMs(row.created_at),
    updatedAt: toMs(row.updated_at),
  };
}

export const DEFAULT_MAX_ATTEMPTS = 10;

/** Adds jobs, stamped with the database's clock; usable inside the transaction that writes what the jobs deliver. */
export async function enqueueJobs(db: Executor, jobs: NewJob[]): Promise<void> {
  const rows = jobs.map((job) => ({
    kind: job.kind,
    installation_id: job.installationId,
    room_id: job.roomId ?? null,
    payload: JSON.stringify(job.payload),
    dedupe_key: job.dedupeKey ?? null,
    state: 'pending',
    attempts: 0,
    max_attempts: job.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    run_at: dbTime(db, job.delayMs ?? 0),
    created_at: dbTime(db),
    updated_at: dbTime(db),
  }));
  // 50 rows a statement (11 values each: within SQLite's 999 bindings); rows without a key never conflict.
  for (let i = 0; i < rows.length; i += 50) await db('jobs').insert(rows.slice(i, i + 50)).onConflict('dedupe_key').ignore();
}

/** PostgreSQL advisory lock class of claims (two-key locks, so that they never meet other locks). */
const CLAIM_LOCK = 0x6f757462;

/**
 * Leases up to `limit` due jobs of the `kinds` a worker handles, in id order: pending ones whose time
 * has come, and running ones whose worker's lease ran out (it died). Every claim counts an attempt; a job reclaimed with its
 * attempts used up comes back with attempts > maxAttempts, for the worker to give up.
 *
 * Jobs of the `roomBound` kinds form a lane per installation and room: one is claimable only when every
 * earlier unfinished job of its lane is claimable too (and so is in the same claim, which is in id
 * order), so a room's jobs run in order across workers; they also wait while their room is archived.
 * The lane's first job that is not claimable (leased, or waiting for its time) is found once per lane
 * (`blocker`), not once per later job: a claim costs about the same with 10 or 10,000 jobs queued.
 * On PostgreSQL claims are serialized with a transaction-scoped advisory lock: with SKIP LOCKED alone, a
 * second worker could take a room's job 2 while the first is still claiming job 1. SQLite runs the
 * single statement under its one writer lock. The jobs of an installation that is not active (revoked,
 * in its grace period) wait: they run again if it is restored, and go with it if it is purged.
 */
export async function claimJobs(db: Db, opts: { workerId: string; leaseMs: number; limit: number; kinds: string[]; roomBound?: string[] }): Promise<Job[]> {
  if (opts.kinds.length === 0) return [];
  const now = nowSql(db);
  const roomBound = opts.roomBound?.length ? opts.roomBound : [''];
  const marks = (list: string[]) => list.map(() => '?').join(', ');
  const kinds = marks(roomBound);
  const due = (t: string) => `((${t}.state = 'pending' and ${t}.run_at <= ${now}) or (${t}.state = 'running' and ${t}.lease_until < ${now}))`;
  const sql = `
    update jobs set
      state = 'running',
      attempts = attempts + 1,
      abandoned_runs = abandoned_runs + (case when state = 'running' then 1 else 0 end),
      lease_until = ${now} + ?,
      locked_by = ?,
      updated_at = ${now}
    where id in (
      select j.id from jobs j
      left join (
        select b.installation_id, b.room_id, min(b.id) as first_id from (
          select installation_id, room_id, id from jobs
          where state = 'pending' and run_at > ${now} and kind in (${kinds}) and room_id is not null
          union all
          select installation_id, room_id, id from jobs
          where state = 'running' and lease_until >= ${now} and kind in (${kinds}) and room_id is not null
        ) b
        group by b.installation_id, b.room_id
      ) blocker on blocker.installation_id = j.installation_id and blocker.room_id = j.room_id
      where ${due('j')} and j.kind in (${marks(opts.kinds)})
        and exists (select 1 from installations i where i.oauth_id = j.installation_id and i.state = 'active')
        and not (j.kind in (${kinds}) and j.room_id is not null and (
          exists (select 1 from rooms r where r.installation_id = j.installation_id and r.room_id = j.room_id and r.archived = ?)
          or (blocker.first_id is not null and blocker.first_id < j.id)
        ))
      order by j.id
      limit ?
    ) and ${due('jobs')}
    returning *`;
  const bindings = [Math.round(opts.leaseMs), opts.workerId, ...roomBound, ...roomBound, ...opts.kinds, ...roomBound, true, opts.limit];
  const rows: Row[] = isPg(db)
    ? await db.transaction(async (trx) => {
        await trx.raw('select pg_advisory_xact_lock(?, 0)', [CLAIM_LOCK]);
        return (await trx.raw(sql, bindings)).rows;
      })
    : await db.raw(sql, bindings);
  return rows.map(fromRow).sort((a, b) => a.id - b.id);
}

/** Updates a job only while this worker still holds its lease; false when the lease was lost. */
async function settle(db: Executor, job: Job, workerId: string, fields: Row): Promise<boolean> {
  const updated = await db('jobs')
    .where({ id: job.id, state: 'running', locked_by: workerId })
    .update({ ...fields, lease_until: null, locked_by: null, updated_at: dbTime(db) });
  return updated > 0;
}

/** Extends this worker's leases on the given jobs; answers the ids it still holds (the others were taken over). */
export async function renewLeases(db: Executor, workerId: string, jobIds: number[], leaseMs: number): Promise<Set<number>> {
  if (jobIds.length === 0) return new Set();
  const rows: Row[] = await db('jobs')
    .whereIn('id', jobIds)
    .where({ state: 'running', locked_by: workerId })
    .update({ lease_until: dbTime(db, leaseMs) }, ['id']);
  return new Set(rows.map((row) => Number(row.id)));
}

export function completeJob(db: Executor, job: Job, workerId: string): Promise<boolean> {
  return settle(db, job, workerId, { state: 'done', last_error: null });
}

/** Many jobs done at once (one statement per 200); answers the ids whose lease was still this worker's. */
export async function completeJobs(db: Knex.Transaction, jobIds: number[], workerId: string): Promise<Set<number>> {
  const done = new Set<number>();
  for (let i = 0; i < jobIds.length; i += 200) {
    const rows: Row[] = await db('jobs')
      .whereIn('id', jobIds.slice(i, i + 200))
      .where({ state: 'running', locked_by: workerId })
      .update({ state: 'done', last_error: null, lease_until: null, locked_by: null, updated_at: dbTime(db) }, ['id']);
    for (const row of rows) done.add(Number(row.id));
  }
  return done;
}

/** Back to pending, due `delayMs` from now by the database's clock. */
export function retryJob(db: Executor, job: Job, workerId: string, delayMs: number, error: string): Promise<boolean> {
  return settle(db, job, workerId, { state: 'pending', run_at: dbTime(db, delayMs), last_error: error });
}

/** Given up; `attempts` is stored as the runs it really had (a job reclaimed past its last attempt was not run again). */
export function failJob(db: Executor, job: Job, workerId: string, error: string): Promise<boolean> {
  return settle(db, job, workerId, { state: 'failed', last_error: error, attempts: Math.min(job.attempts, job.maxAttempts) });
}

/**
 * Back to pending, due `delayMs` from now, without counting the attempt while the job is younger than
 * `freeForMs` (by the database's clock): the peer said "not now" (a rate limit's 429, or a deliberate
 * wait), it did not fail. Past that age, waits count, so a peer that never stops refusing still ends it.
 */
export function waitJob(db: Executor, job: Job, workerId: string, delayMs: number, error: string, freeForMs: number): Promise<boolean> {
  return settle(db, job, workerId, {
    state: 'pending',
    run_at: dbTime(db, delayMs),
    last_error: error,
    attempts: db.raw(`case when created_at > ${nowSql(db)} - cast(? as bigint) then attempts - 1 else attempts end`, [Math.round(freeForMs)]),
  });
}

/** Puts a job back without counting the attempt: it waited (for a rate limit, or behind its room's earlier job), it did not fail. */
export function deferJob(db: Executor, job: Job, workerId: string, runAt?: number): Promise<boolean> {
  return settle(db, job, workerId, { state: 'pending', attempts: job.attempts - 1, ...(runAt === undefined ? {} : { run_at: Math.round(runAt) }) });
}

const HOUR = 60 * 60_000;

/**
 * Housekeeping, by the database's clock: finished jobs once they no longer matter (failed ones are
 * kept a month for inspection), the keys of handled callbacks and webhooks once no peer would repeat
 * them, and HipChat calls older than any rate window. Each is a range on an index, never a scan.
 */
export function housekeepingDeletes(db: Db): Knex.QueryBuilder[] {
  const before = (ageMs: number) => db.raw(`${nowSql(db)} - ?`, [ageMs]);
  return [
    db('jobs').where({ state: 'done' }).where('updated_at', '<', before(HOUR)).delete(),
    db('jobs').where({ state: 'failed' }).where('updated_at', '<', before(30 * 24 * HOUR)).delete(),
    db('seen_events').where('created_at', '<', before(7 * 24 * HOUR)).delete(),
    pruneCalls(db, HOUR),
  ];
}

export async function pruneOldRows(db: Db): Promise<number> {
  let deleted = 0;
  for (const query of housekeepingDeletes(db)) deleted += Number(await query);
  return deleted;
}

export async function findJob(db: Db, id: number): Promise<Job | undefined> {
  const row = await db('jobs').where({ id }).first();
  return row ? fromRow(row) : undefined;
}

export async function listJobs(db: Db, where: Partial<{ state: JobState; kind: string; installation_id: string }> = {}): Promise<Job[]> {
  return (await db('jobs').where(where).orderBy('id')).map(fromRow);
}

/**
 * An admin's retry of a failed job: back to pending, due now, with its attempts reset. Only a job of
 * `installationId` that is failed is changed; false (and nothing changed) otherwise.
 */
export async function requeueFailedJob(db: Db, installationId: string, jobId: number): Promise<boolean> {
  const updated = await db('jobs')
    .where({ id: jobId, installation_id: installationId, state: 'failed' })
    .update({ state: 'pending', attempts: 0, abandoned_runs: 0, run_at: dbTime(db), lease_until: null, locked_by: null, updated_at: dbTime(db) });
  return updated > 0;
}
