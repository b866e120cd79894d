import type { Db } from './db';
import { markSeen } from './invites';

/** At most this many keys in one statement (3 bound values each, well under SQLite's limit). */
const MAX_BATCH = 200;

interface Waiting {
  installationId: string;
  eventKey: string;
  settle: Array<{ resolve(fresh: boolean): void; reject(err: unknown): void }>;
}

/**
 * markSeen (lib/store/invites.ts) for many callers at once: keys that arrive while a write is in flight
 * are written together by the next one, in one statement and one commit, instead of a transaction (and,
 * on SQLite, a sync to disk) each. Only for a key that causes no other write: a key whose effects must
 * commit with it is marked in the transaction that writes them.
 */
export class SeenEventBatch {
  private readonly pending = new Map<string, Waiting>();
  private writing = false;

  constructor(private readonly db: Db) {}

  /** Remembers the key; resolves false when it was seen before (a duplicate delivery). */
  mark(installationId: string, eventKey: string): Promise<boolean> {
    const key = eventKey.slice(0, 255);
    return new Promise((resolve, reject) => {
      const id = `${installationId}\n${key}`;
      let waiting = this.pending.get(id);
      if (!waiting) this.pending.set(id, (waiting = { installationId, eventKey: key, settle: [] }));
      waiting.settle.push({ resolve, reject });
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    if (this.writing) return;
    this.writing = true;
    try {
      while (this.pending.size > 0) {
        const batch = [...this.pending.entries()].slice(0, MAX_BATCH);
        for (const [id] of batch) this.pending.delete(id);
        await this.write(batch.map(([, waiting]) => waiting));
      }
    } finally {
      this.writing = false;
    }
  }

  private async write(batch: Waiting[]): Promise<void> {
    try {
      const now = Date.now();
      const inserted: Array<{ installation_id: string; event_key: string }> = await this.db('seen_events')
        .insert(batch.map((w) => ({ installation_id: w.installationId, event_key: w.eventKey, created_at: now })))
        .onConflict(['installation_id', 'event_key'])
        .ignore()
        .returning(['installation_id', 'event_key']);
      const fresh = new Set(inserted.map((row) => `${row.installation_id}\n${row.event_key}`));
      // The same key twice in one batch: the first caller has it, the others are duplicates.
      for (const w of batch) w.settle.forEach((s, i) => s.resolve(i === 0 && fresh.has(`${w.installationId}\n${w.eventKey}`)));
    } catch {
      // One bad key (its installation just deleted, say) must not fail the others: each on its own.
      for (const w of batch) {
        try {
          const fresh = await markSeen(this.db, w.installationId, w.eventKey);
          w.settle.forEach((s, i) => s.resolve(i === 0 && fresh));
        } catch (err) {
          for (const s of w.settle) s.reject(err);
        }
      }
    }
  }
}
