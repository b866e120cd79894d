import knexFactory, { type Knex } from 'knex';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Config } from '../config';
import { migrationSource } from './migrations';

export type Db = Knex;

/** Opens the database named by the config and brings its schema up to date. */
export async function openDb(database: Config['database']): Promise<Db> {
  const db =
    database.client === 'sqlite3'
      ? openSqlite(database.filename)
      : knexFactory({ client: 'pg', connection: database.connectionString, pool: { min: 0, max: 10 } });
  await migrate(db);
  return db;
}

/** Brings the schema up to date; another instance migrating at the same moment holds knex's lock, so wait for it. */
async function migrate(db: Db): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await db.migrate.latest({ migrationSource });
      return;
    } catch (err) {
      if ((err as Error).name !== 'MigrationLocked' || attempt >= 30) throw err;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

function openSqlite(filename: string): Db {
  if (filename !== ':memory:') mkdirSync(dirname(filename), { recursive: true });
  return knexFactory({
    client: 'sqlite3',
    connection: { filename },
    useNullAsDefault: true,
    // One connection: SQLite has one writer, and a single connection keeps transactions serial.
    pool: {
      min: 1,
      max: 1,
      afterCreate(conn: { run(sql: string, cb: (err: Error | null) => void): void }, done: (err: Error | null) => void) {
        conn.run('PRAGMA journal_mode = WAL', (err) => {
          if (err) return done(err);
          conn.run('PRAGMA busy_timeout = 5000', (err2) => {
            if (err2) return done(err2);
            conn.run('PRAGMA foreign_keys = ON', done);
          });
        });
      },
    },
  });
}

/** Reads a millisecond timestamp column (PostgreSQL returns bigint as a string). */
export function toMs(value: unknown): number {
  return typeof value === 'number' ? value : Number(value);
}

/** A nullable text column. */
export function nullableString(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}

/** A nullable millisecond timestamp column. */
export function nullableMs(value: unknown): number | null {
  return value === null || value === undefined ? null : toMs(value);
}
