import knexFactory from 'knex';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../../lib/config';

export interface TestDatabase {
  database: Config['database'];
  /** A DATABASE_URL for a child process. */
  url: string;
  drop(): Promise<void>;
}

/**
 * A fresh database for one test file: a new SQLite file in a temp folder, or, when TEST_DATABASE_URL
 * names a PostgreSQL server, a new database created on it and dropped afterwards.
 */
export async function freshDatabase(): Promise<TestDatabase> {
  const pgUrl = process.env.TEST_DATABASE_URL;
  if (pgUrl) {
    const name = `addon_test_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
    const admin = knexFactory({ client: 'pg', connection: pgUrl, pool: { min: 0, max: 1 } });
    await admin.raw(`create database ${name}`);
    await admin.destroy();
    const url = new URL(pgUrl);
    url.pathname = `/${name}`;
    return {
      database: { client: 'pg', connectionString: url.href },
      url: url.href,
      async drop() {
        const dropper = knexFactory({ client: 'pg', connection: pgUrl, pool: { min: 0, max: 1 } });
        await dropper.raw(`drop database if exists ${name} with (force)`);
        await dropper.destroy();
      },
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'addon-test-'));
  const filename = join(dir, 'addon.db');
  return {
    database: { client: 'sqlite3', filename },
    url: `sqlite:${filename}`,
    async drop() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
