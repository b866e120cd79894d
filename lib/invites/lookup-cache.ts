/**
 * A short-lived, size-bounded cache of recipient lookups. Concurrent callers of the same key share one
 * load; a failed load is not kept, so the next caller asks xMatters again.
 */
export class LookupCache<T> {
  private readonly entries = new Map<string, { value: Promise<T>; expiresAt: number }>();

  constructor(
    private readonly opts: { ttlMs: number; maxEntries: number; now?: () => number },
  ) {}

  get(key: string, load: () => Promise<T>): Promise<T> {
    const now = (this.opts.now ?? Date.now)();
    const hit = this.entries.get(key);
    if (hit && hit.expiresAt > now) return hit.value;
    if (hit) this.entries.delete(key);

    const value = load();
    const entry = { value, expiresAt: now + this.opts.ttlMs };
    this.entries.set(key, entry);
    value.catch(() => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    });
    this.evict(now);
    return value;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Drops expired entries, then the oldest ones (Map keeps insertion order) beyond the bound. */
  private evict(now: number): void {
    for (const [key, entry] of this.entries) {
      if (this.entries.size <= this.opts.maxEntries && entry.expiresAt > now) break;
      this.entries.delete(key);
    }
  }
}

/** The cache key of one lookup: the installation, the xMatters account it searches, and the query as typed, normalized. */
export function lookupKey(installationId: string, account: string, query: string): string {
  return JSON.stringify([installationId, account, normalizeQuery(query)]);
}

/** xMatters search is case-insensitive and splits terms on whitespace, so these are the same lookup. */
export function normalizeQuery(query: string): string {
  return query.trim().replace(/\s+/g, ' ').toLowerCase();
}
