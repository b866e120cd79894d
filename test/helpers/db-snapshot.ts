import type { Db } from '../../lib/store/db';

/** Every row of every table (the migration bookkeeping too), each row as canonical JSON, sorted. */
export type Snapshot = Map<string, string[]>;

/** The tables the database holds now, on SQLite or PostgreSQL. */
export async function tableNames(db: Db): Promise<string[]> {
  if (db.client.config.client === 'pg') {
    const result = await db.raw<{ rows: Array<{ name: string }> }>('select tablename as name from pg_tables where schemaname = current_schema() order by 1');
    return result.rows.map((r) => r.name);
  }
  const rows = await db.raw<Array<{ name: string }>>("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by 1");
  return rows.map((r) => r.name);
}

export async function snapshot(db: Db, tables: string[]): Promise<Snapshot> {
  const out: Snapshot = new Map();
  for (const table of tables) {
    const rows: Array<Record<string, unknown>> = await db(table).select();
    out.set(table, rows.map(canonical).sort());
  }
  return out;
}

function canonical(row: Record<string, unknown>): string {
  return JSON.stringify(Object.fromEntries(Object.entries(row).sort(([a], [b]) => a.localeCompare(b))), (_key, value: unknown) =>
    typeof value === 'bigint' ? String(value) : value,
  );
}

/** Per table, the rows that appeared and disappeared (an update is one of each); empty when nothing changed. */
export function changes(before: Snapshot, after: Snapshot): Map<string, { added: string[]; removed: string[] }> {
  const out = new Map<string, { added: string[]; removed: string[] }>();
  for (const table of new Set([...before.keys(), ...after.keys()])) {
    const was = before.get(table) ?? [];
    const now = after.get(table) ?? [];
    const added = difference(now, was);
    const removed = difference(was, now);
    if (added.length || removed.length) out.set(table, { added, removed });
  }
  return out;
}

/** Rows of `a` not matched one for one in `b` (both sorted). */
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
