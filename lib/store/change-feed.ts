import { EventEmitter } from 'node:events';
import type { Logger } from '../logger';
import type { Db } from './db';

/**
 * Tells every instance sharing the database that a row it may cache changed. On PostgreSQL this is
 * LISTEN/NOTIFY on one dedicated connection; on SQLite (one process) an in-process emitter. A notice can
 * be lost while a connection is re-made, so caches keep a time limit as well.
 */
export interface ChangeFeed {
  /** Tells every instance (this one too) that `key` of `topic` changed. */
  publish(topic: string, key: string): Promise<void>;
  /** `key` is '*' when anything may have changed (notices were lost while the connection was re-made). */
  subscribe(topic: string, onChange: (key: string) => void): void;
  /** Whether notices from other instances arrive now (false while the connection is being re-made). */
  readonly listening: boolean;
  close(): Promise<void>;
}

const CHANNEL = 'addon_changes';

export async function openChangeFeed(db: Db, log: Logger): Promise<ChangeFeed> {
  const local = new EventEmitter();
  local.setMaxListeners(0);
  const deliver = (payload: string) => {
    const split = payload.indexOf('|');
    if (split > 0) local.emit(payload.slice(0, split), payload.slice(split + 1));
  };
  if (db.client.config.client !== 'pg') {
    return {
      async publish(topic, key) {
        deliver(`${topic}|${key}`);
      },
      subscribe: (topic, onChange) => void local.on(topic, onChange),
      listening: true,
      async close() {
        local.removeAllListeners();
      },
    };
  }

  let closed = false;
  let connection: PgConnection | undefined;
  let listening = false;
  const listen = async (): Promise<void> => {
    const conn = (await db.client.acquireRawConnection()) as PgConnection;
    conn.on('notification', (message) => deliver(message.payload ?? ''));
    conn.on('error', (err) => {
      log.warn({ err: err.message }, 'change feed connection lost; listening again');
      listening = false;
      void conn.end().catch(() => undefined);
      // Everything cached may have changed meanwhile.
      local.emit('*');
      if (!closed) setTimeout(() => void relisten(), 1000).unref();
    });
    await conn.query(`LISTEN ${CHANNEL}`);
    connection = conn;
    listening = true;
  };
  const relisten = async () => {
    try {
      await listen();
      // What changed while nobody listened was never told: everything may have.
      local.emit('*');
    } catch (e) {
      log.error({ err: (e as Error).message }, 'change feed could not listen again');
      if (!closed) setTimeout(() => void relisten(), 1000).unref();
    }
  };
  await listen();
  return {
    async publish(topic, key) {
      await db.raw('select pg_notify(?, ?)', [CHANNEL, `${topic}|${key}`]);
    },
    subscribe(topic, onChange) {
      local.on(topic, onChange);
      local.on('*', () => onChange('*'));
    },
    get listening() {
      return listening;
    },
    async close() {
      closed = true;
      local.removeAllListeners();
      await connection?.end().catch(() => undefined);
    },
  };
}

interface PgConnection {
  query(sql: string): Promise<unknown>;
  on(event: 'notification', listener: (message: { payload?: string }) => void): void;
  on(event: 'error', listener: (err: Error) => void): void;
  end(): Promise<void>;
}
