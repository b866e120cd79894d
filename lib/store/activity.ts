import type { Knex } from 'knex';
import type { Db } from './db';
import { nullableString, toMs } from './db';
import { dbTime } from './clock';
import { redactText } from '../logger';
import type { Peer } from '../outbox/call-trace';

// The configure tab's activity log: the deliveries of the queue (one row per job, updated as its runs
// settle) and the callbacks received from xMatters, the last ACTIVITY_KEEP per installation. Error texts
// are redacted before they are stored, so no credential reaches the table, the page or its JSON.

export const ACTIVITY_KEEP = 200;
const MAX_ERROR = 1000;

export type DeliveryOutcome = 'delivered' | 'retrying' | 'failed' | 'requeued';
export type CallbackOutcome = 'accepted' | 'ignored' | 'refused';

export interface ActivityEntry {
  id: number;
  source: 'delivery' | 'callback';
  jobId: number | null;
  kind: string;
  peer: Peer | null;
  roomId: number | null;
  outcome: DeliveryOutcome | CallbackOutcome;
  statusCode: number | null;
  error: string | null;
  attempts: number | null;
  subject: string | null;
  /** The job's state now (it may have been retried since), when the job still exists. */
  jobState: string | null;
  createdAt: number;
  updatedAt: number;
}

const clean = (error: string | null | undefined) => (error ? redactText(error).slice(0, MAX_ERROR) : null);

export interface DeliveryRecord {
  installationId: string;
  jobId: number;
  kind: string;
  roomId: number | null;
  peer: Peer | null;
  outcome: Exclude<DeliveryOutcome, 'requeued'>;
  statusCode: number | null;
  error: string | null;
  attempts: number;
}

const MERGED = ['peer', 'outcome', 'status_code', 'error', 'attempts', 'updated_at'];

/** Many jobs' runs settled (one statement per 50): each row made, or brought up to date. */
export async function recordDeliveries(db: Knex.Transaction, records: DeliveryRecord[]): Promise<void> {
  for (let i = 0; i < records.length; i += 50) {
    const rows = records.slice(i, i + 50).map((r) => ({
      installation_id: r.installationId, source: 'delivery', job_id: r.jobId, kind: r.kind, room_id: r.roomId,
      peer: r.peer, outcome: r.outcome, status_code: r.statusCode, error: clean(r.error), attempts: r.attempts,
      created_at: dbTime(db), updated_at: dbTime(db),
    }));
    await db('activity').insert(rows).onConflict('job_id').merge(MERGED);
  }
}

/** A job's run settled: its row is made, or brought up to date. */
export async function recordDelivery(db: Db | Knex.Transaction, r: DeliveryRecord): Promise<void> {
  const fields = { peer: r.peer, outcome: r.outcome, status_code: r.statusCode, error: clean(r.error), attempts: r.attempts, updated_at: dbTime(db) };
  await db('activity')
    .insert({ installation_id: r.installationId, source: 'delivery', job_id: r.jobId, kind: r.kind, room_id: r.roomId, ...fields, created_at: dbTime(db) })
    .onConflict('job_id')
    .merge(fields);
}

export interface CallbackRecord {
  installationId: string;
  kind: string;
  outcome: CallbackOutcome;
  statusCode: number;
  error: string | null;
  subject: string | null;
}

export async function recordCallback(db: Db, r: CallbackRecord): Promise<void> {
  await db('activity').insert({
    installation_id: r.installationId,
    source: 'callback',
    kind: r.kind.slice(0, 50),
    peer: 'xmatters',
    outcome: r.outcome,
    status_code: r.statusCode,
    error: clean(r.error),
    subject: r.subject === null ? null : redactText(r.subject).slice(0, 255),
    created_at: dbTime(db),
    updated_at: dbTime(db),
  });
}

/** A failed job was put back by an admin: its row says so until the job's next run settles. */
export async function markRequeued(db: Db, installationId: string, jobId: number): Promise<void> {
  await db('activity').where({ installation_id: installationId, job_id: jobId }).update({ outcome: 'requeued', updated_at: dbTime(db) });
}

/** Newest first, `limit` of them, older than `beforeId` when given; failed only: deliveries that failed and callbacks refused. */
export async function listActivity(db: Db, installationId: string, opts: { limit: number; beforeId?: number; failedOnly?: boolean }): Promise<ActivityEntry[]> {
  const query = db('activity as a')
    .leftJoin('jobs as j', function () {
      this.on('j.id', '=', 'a.job_id').andOn('j.installation_id', '=', 'a.installation_id');
    })
    .where('a.installation_id', installationId)
    .select('a.*', 'j.state as job_state')
    .orderBy('a.id', 'desc')
    .limit(opts.limit);
  if (opts.beforeId !== undefined) query.where('a.id', '<', opts.beforeId);
  if (opts.failedOnly) query.whereIn('a.outcome', ['failed', 'refused']);
  const rows: Record<string, unknown>[] = await query;
  return rows.map((row) => ({
    id: Number(row.id),
    source: row.source as ActivityEntry['source'],
    jobId: row.job_id === null ? null : Number(row.job_id),
    kind: String(row.kind),
    peer: (row.peer as Peer | null) ?? null,
    roomId: row.room_id === null ? null : Number(row.room_id),
    outcome: row.outcome as ActivityEntry['outcome'],
    statusCode: row.status_code === null ? null : Number(row.status_code),
    error: nullableString(row.error),
    attempts: row.attempts === null ? null : Number(row.attempts),
    subject: nullableString(row.subject),
    jobState: nullableString(row.job_state),
    createdAt: toMs(row.created_at),
    updatedAt: toMs(row.updated_at),
  }));
}

/**
 * Housekeeping: each installation keeps its last `keep` rows. Only installations over the limit are
 * touched, and each delete is a range on the (installation_id, id) index.
 */
export async function pruneActivity(db: Db, keep = ACTIVITY_KEEP): Promise<number> {
  const over: { installation_id: string }[] = await db('activity').select('installation_id').groupBy('installation_id').havingRaw('count(*) > ?', [keep]);
  let deleted = 0;
  for (const { installation_id } of over) {
    const edge = await db('activity').where({ installation_id }).orderBy('id', 'desc').offset(keep).limit(1).first('id');
    if (edge) deleted += await db('activity').where({ installation_id }).where('id', '<=', edge.id).delete();
  }
  return deleted;
}
