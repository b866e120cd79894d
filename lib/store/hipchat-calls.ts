import type { Knex } from 'knex';
import type { Db } from './db';
import { toMs } from './db';
import { dbTime, isPg, nowSql, readDbNow } from './clock';

type Executor = Db | Knex.Transaction;

export interface CallWindow {
  max: number;
  windowMs: number;
}

/** HipChat's two limits as this add-on keeps them: calls per installation (its token), notifications per room. */
export interface HipChatLimits {
  perInstallation: CallWindow;
  perRoomNotifications: CallWindow;
}

export interface Reservation {
  installationId: string;
  roomId: number | null;
  jobId: number;
  calls: number;
  notifications: number;
}

/** The rows that count against a window now: made or reserved within it, by the database's clock. */
export function windowCount(db: Executor, installationId: string, window: CallWindow, room?: number | null): Knex.QueryBuilder {
  const query = db('hipchat_calls').where({ installation_id: installationId }).where('at', '>', db.raw(`${nowSql(db)} - ?`, [window.windowMs]));
  if (room !== undefined) query.where({ room_id: room, notification: true });
  return query.count({ n: '*' });
}

/** PostgreSQL advisory lock class of reservations (two-key locks: class, installation). */
const BUDGET_LOCK = 0x68636273;

/**
 * Takes `calls` slots (of which `notifications` are notifications to the room) for a job, or nothing
 * when either window would go over its maximum. One statement checks and inserts; on PostgreSQL an
 * advisory lock per installation keeps two reservations from both seeing the same count.
 */
export async function reserveCalls(db: Executor, limits: HipChatLimits, r: Reservation): Promise<boolean> {
  const now = nowSql(db);
  const slots = Array.from({ length: r.calls }, (_, i) => `select ${i < r.notifications ? 'true' : 'false'} as notification`).join(' union all ');
  const roomCheck = r.notifications > 0 ? `and (${windowSql(db, 'and room_id = ? and notification = true')}) + ? <= ?` : '';
  const sql = `
    insert into hipchat_calls (installation_id, room_id, notification, job_id, state, at)
    select cast(? as varchar(100)), cast(? as bigint), slot.notification, cast(? as integer), 'reserved', ${now}
    from (${slots}) slot
    where (${windowSql(db, '')}) + ? <= ? ${roomCheck}`;
  const bindings = [
    r.installationId, r.roomId, r.jobId,
    r.installationId, limits.perInstallation.windowMs, r.calls, limits.perInstallation.max,
    ...(r.notifications > 0 ? [r.installationId, r.roomId, limits.perRoomNotifications.windowMs, r.notifications, limits.perRoomNotifications.max] : []),
  ];
  if (!isPg(db)) return Number((await db.raw(`${sql} returning id`, bindings)).length) > 0;
  const reserve = async (trx: Knex.Transaction) => {
    await trx.raw('select pg_advisory_xact_lock(?, hashtext(?))', [BUDGET_LOCK, r.installationId]);
    return ((await trx.raw(sql, bindings)).rowCount ?? 0) > 0;
  };
  // In a caller's transaction (a WriteBatch), the lock is held until it commits.
  return (db as Knex.Transaction).isTransaction ? reserve(db as Knex.Transaction) : db.transaction(reserve);
}

function windowSql(db: Executor, extra: string): string {
  return `select count(*) from hipchat_calls where installation_id = ? ${extra} and at > ${nowSql(db)} - ?`;
}

/**
 * When (database time) a refused reservation would fit: when enough of the oldest rows in the window
 * that is full have left it.
 */
export async function reservationFitsAt(db: Db, limits: HipChatLimits, r: Reservation): Promise<number> {
  const now = await readDbNow(db);
  let fitsAt = now;
  const windows: Array<[CallWindow, number, number | null | undefined]> = [[limits.perInstallation, r.calls, undefined]];
  if (r.notifications > 0) windows.push([limits.perRoomNotifications, r.notifications, r.roomId]);
  for (const [window, needed, room] of windows) {
    const used = Number(((await windowCount(db, r.installationId, window, room).first()) as { n: unknown } | undefined)?.n ?? 0);
    const excess = used + needed - window.max;
    if (excess <= 0) continue;
    const query = db('hipchat_calls').where({ installation_id: r.installationId }).where('at', '>', now - window.windowMs);
    if (room !== undefined) query.where({ room_id: room, notification: true });
    const row = await query.orderBy('at').offset(excess - 1).first('at');
    if (row) fitsAt = Math.max(fitsAt, toMs(row.at) + window.windowMs + 1);
  }
  return fitsAt;
}

/**
 * One call made that no reserved slot covers (outside a job, or past what its job reserved; the slots a
 * job uses become made calls in `settleReservations`).
 */
export async function recordCall(db: Executor, call: { installationId: string; roomId: number | null; notification: boolean; jobId: number | null }): Promise<void> {
  await db('hipchat_calls').insert({ installation_id: call.installationId, room_id: call.roomId, notification: call.notification, job_id: call.jobId, state: 'made', at: dbTime(db) });
}

/** Keeps running jobs' unused slots counting from now. */
export async function renewReservations(db: Executor, jobIds: number[]): Promise<void> {
  if (jobIds.length === 0) return;
  await db('hipchat_calls').whereIn('job_id', jobIds).where({ state: 'reserved' }).update({ at: dbTime(db) });
}

/** What a job has made of its reservation so far: the calls it made, of each kind. */
export interface SlotUse {
  jobId: number;
  notifications: number;
  others: number;
  /** Every slot reserved was used: all of them become made calls (the common case, one statement for many jobs). */
  all: boolean;
}

/**
 * A job settled: the slots it used become made calls, stamped now (at or after each call, so the
 * window holds them at least as long as HipChat does), and the rest are given back.
 */
export async function settleReservations(db: Executor, uses: SlotUse[]): Promise<void> {
  const all = uses.filter((u) => u.all).map((u) => u.jobId);
  for (let i = 0; i < all.length; i += 200) {
    await db('hipchat_calls').whereIn('job_id', all.slice(i, i + 200)).where({ state: 'reserved' }).update({ state: 'made', at: dbTime(db) });
  }
  for (const use of uses.filter((u) => !u.all)) {
    for (const [notification, count] of [[true, use.notifications], [false, use.others]] as const) {
      if (count === 0) continue;
      const slots = db('hipchat_calls').select('id').where({ job_id: use.jobId, state: 'reserved', notification }).orderBy('id').limit(count);
      await db('hipchat_calls').whereIn('id', slots).update({ state: 'made', at: dbTime(db) });
    }
  }
  await releaseReservations(db, uses.filter((u) => !u.all).map((u) => u.jobId));
}

/** Gives back the jobs' unused slots. */
export async function releaseReservations(db: Executor, jobIds: number[]): Promise<void> {
  for (let i = 0; i < jobIds.length; i += 200) await db('hipchat_calls').whereIn('job_id', jobIds.slice(i, i + 200)).where({ state: 'reserved' }).delete();
}

/** Housekeeping: rows older than any window. */
export function pruneCalls(db: Db, olderThanMs: number): Knex.QueryBuilder {
  return db('hipchat_calls').where('at', '<', db.raw(`${nowSql(db)} - ?`, [olderThanMs])).delete();
}
