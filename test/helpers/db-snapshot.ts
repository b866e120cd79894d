import type { Db } from '../../lib/store/db';

/** Every row of every table (the migration bookkeeping too), each row as JSON, sorted, by table. */
export type Snapshot = Map<string, string[]>;

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * A function that reads the whole database in one query: each row of each table as JSON, on SQLite
 * (json_object over the table's columns) or PostgreSQL (row_to_json). The tables are those there now.
 */
export async function snapshotter(db: Db): Promise<() => Promise<Snapshot>> {
  const pg = db.client.config.client === 'pg';
  let sql: string;
  if (pg) {
    const result = await db.raw<{ rows: Array<{ name: string }> }>('select tablename as name from pg_tables where schemaname = current_schema() order by 1');
    sql = result.rows.map(({ name }) => `select '${name}' as t, row_to_json(x)::text as r from ${quote(name)} x`).join(' union all ');
  } else {
    const tables = await db.raw<Array<{ name: string }>>("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by 1");
    const selects: string[] = [];
    for (const { name } of tables) {
      const columns = await db.raw<Array<{ name: string }>>(`pragma table_info(${quote(name)})`);
      selects.push(`select '${name}' as t, json_object(${columns.map((c) => `'${c.name}', ${quote(c.name)}`).join(', ')}) as r from ${quote(name)}`);
    }
    sql = selects.join(' union all ');
  }
  return async () => {
    const result = await db.raw<{ rows: Array<{ t: string; r: string }> } | Array<{ t: string; r: string }>>(sql);
    const rows = Array.isArray(result) ? result : result.rows;
    const out: Snapshot = new Map();
    for (const { t, r } of rows) {
      if (!out.has(t)) out.set(t, []);
      out.get(t)!.push(r);
    }
    for (const list of out.values()) list.sort();
    return out;
  };
}

/**
 * Tables that count what the add-on did rather than hold what it was told: `hipchat_calls` records each
 * call to HipChat against the installation's budget, and a refusal that had to ask HipChat who the user
 * is (a permission check) did make that call.
 */
const BOOKKEEPING = new Set(['hipchat_calls']);

/**
 * Logs a refusal may add to: the activity log records every callback that passed its credentials check,
 * refused ones included (that is what it is for). Only such rows may appear; nothing in it may change.
 */
const LOGGED: Record<string, (row: string) => boolean> = {
  activity: (row) => (JSON.parse(row) as { source?: unknown }).source === 'callback',
};

/** Per table, the rows that appeared and disappeared (an update is one of each); empty when nothing changed. */
export function changes(before: Snapshot, after: Snapshot): Map<string, { added: string[]; removed: string[] }> {
  const out = new Map<string, { added: string[]; removed: string[] }>();
  for (const table of new Set([...before.keys(), ...after.keys()])) {
    if (BOOKKEEPING.has(table)) continue;
    const was = before.get(table) ?? [];
    const now = after.get(table) ?? [];
    const added = difference(now, was).filter((row) => !LOGGED[table]?.(row));
    const removed = difference(was, now);
    if (added.length || removed.length) out.set(table, { added, removed });
  }
  return out;
}

/** Rows of `a` not matched one for one in `b`. */
function difference(a: string[], b: string[]): string[] {
  const left = new Map<string, number>();
  for (const row of b) left.set(row, (left.get(row) ?? 0) + 1);
  return a.filter((row) => {
    const n = left.get(row) ?? 0;
    if (n === 0) return true;
    left.set(row, n - 1);
    return false;
  });
}
