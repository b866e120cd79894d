import type { Sealer } from '../security/seal';
import type { ChangeFeed } from '../store/change-feed';
import type { Db } from '../store/db';
import { findSource } from '../store/alerts';
import { secretDigest } from './secrets';
import { compileSettings, type AlertKind, type CompiledSettings } from './settings';

/** The change-feed topic of alert sources: published when one is created, changed, given a new secret or deleted (key: its id). */
export const ALERT_SOURCES_TOPIC = 'alert-sources';

/** A source as the intake uses it: settings compiled, the secret only as its digest. */
export interface IntakeSource {
  id: string;
  installationId: string;
  name: string;
  kind: AlertKind;
  digest: Buffer;
  settings: CompiledSettings;
}

const SOURCE_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const FRESH_MS = 60_000;
const MAX_ENTRIES = 10_000;

/**
 * Sources served from memory on the intake's hot path, unknown ids too, so neither a steady stream of
 * alerts nor a flood of made-up ids costs database reads. A change on any instance drops the entry
 * through the change feed; entries are read again after a minute in case a notice was lost.
 */
export class SourceCache {
  private readonly entries = new Map<string, { source: IntakeSource | undefined; at: number }>();
  private readonly loading = new Map<string, Promise<IntakeSource | undefined>>();
  /** Counts changes, so a read that started before one does not put its stale result in memory. */
  private changes = 0;

  constructor(
    private readonly db: Db,
    private readonly sealer: Sealer,
    feed: ChangeFeed,
    private readonly now: () => number = Date.now,
  ) {
    feed.subscribe(ALERT_SOURCES_TOPIC, (id) => {
      this.changes++;
      if (id === '*') this.entries.clear();
      else this.entries.delete(id);
      this.loading.delete(id);
    });
  }

  async get(id: string): Promise<IntakeSource | undefined> {
    if (!SOURCE_ID_PATTERN.test(id)) return undefined;
    const entry = this.entries.get(id);
    if (entry && this.now() - entry.at < FRESH_MS) return entry.source;
    let pending = this.loading.get(id);
    if (!pending) {
      pending = this.load(id).finally(() => this.loading.delete(id));
      this.loading.set(id, pending);
    }
    return pending;
  }

  private async load(id: string): Promise<IntakeSource | undefined> {
    const changes = this.changes;
    const record = await findSource(this.db, id);
    const source: IntakeSource | undefined = record && {
      id: record.id,
      installationId: record.installationId,
      name: record.name,
      kind: record.kind,
      digest: secretDigest(this.sealer.unseal(record.secretSealed)),
      settings: compileSettings(record.kind, record.settings),
    };
    if (changes !== this.changes) return source;
    this.entries.delete(id);
    this.entries.set(id, { source, at: this.now() });
    if (this.entries.size > MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value as string);
    return source;
  }
}
