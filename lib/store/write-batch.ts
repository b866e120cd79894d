import type { Knex } from 'knex';
import type { Db } from './db';

/** At most this many callers' writes in one transaction. */
const MAX_BATCH = 100;

interface Waiting {
  work: (trx: Knex.Transaction) => Promise<unknown>;
  resolve(value: unknown): void;
  reject(err: unknown): void;
}

/**
 * Small transactions of many callers committed together: writes that arrive while one commit is in
 * flight run, one after another, in the next transaction, and each caller's promise settles only once
 * that transaction has committed. One commit (on SQLite, one sync to disk; on PostgreSQL, one WAL
 * flush) then serves many callers instead of one each, and a caller still learns of its write only
 * when it is stored. When anything in a shared transaction fails, the transaction is rolled back and
 * each caller's work runs again in a transaction of its own, so one bad write fails only its caller.
 *
 * A caller's `work` must write only through the transaction it is given (SQLite has one connection)
 * and must change nothing outside the database: it may run twice (once rolled back).
 */
export class WriteBatch {
  private readonly queue: Waiting[] = [];
  private writing = false;

  constructor(private readonly db: Db) {}

  run<T>(work: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    if (this.writing) return;
    this.writing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, MAX_BATCH);
        if (batch.length === 1) {
          await this.alone(batch[0]!);
          continue;
        }
        let results: unknown[];
        try {
          results = await this.db.transaction(async (trx) => {
            const out: unknown[] = [];
            for (const waiting of batch) out.push(await waiting.work(trx));
            return out;
          });
        } catch {
          for (const waiting of batch) await this.alone(waiting);
          continue;
        }
        batch.forEach((waiting, i) => waiting.resolve(results[i]));
      }
    } finally {
      this.writing = false;
    }
  }

  private async alone(waiting: Waiting): Promise<void> {
    try {
      waiting.resolve(await this.db.transaction((trx) => waiting.work(trx)));
    } catch (err) {
      waiting.reject(err);
    }
  }
}
