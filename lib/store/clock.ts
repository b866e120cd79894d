import type { Knex } from 'knex';

type Executor = Knex | Knex.Transaction;

/**
 * The database's clock as epoch milliseconds, as an SQL expression. Every time the delivery queue and
 * HipChat's budget compare (leases, run_at, retry times, rate windows) is taken from it, so instances
 * whose own clocks disagree still agree on what is due and what has expired.
 *
 * It must read the same in every row of one statement: a claim that saw "not yet due" for a room's
 * first job and "due" for the same job a moment later, while checking the second, would let the
 * second go first. PostgreSQL's statement_timestamp() is the clock when the statement started
 * (clock_timestamp() changes row by row); SQLite's 'now' is fixed for the statement and keeps
 * milliseconds.
 */
export function nowSql(db: Executor): string {
  return isPg(db) ? `(extract(epoch from statement_timestamp()) * 1000)::bigint` : `cast(round((julianday('now') - 2440587.5) * 86400000) as integer)`;
}

/** The database clock's `now + offsetMs`, as a value for an insert or update. */
export function dbTime(db: Executor, offsetMs = 0): Knex.Raw {
  return db.raw(`(${nowSql(db)} + ?)`, [Math.round(offsetMs)]);
}

/** Reads the database's clock once. */
export async function readDbNow(db: Executor): Promise<number> {
  const result = await db.raw(`select ${nowSql(db)} as now`);
  const row = (isPg(db) ? result.rows[0] : result[0]) as { now: unknown };
  return Number(row.now);
}

export function isPg(db: Executor): boolean {
  return db.client.config.client === 'pg';
}
