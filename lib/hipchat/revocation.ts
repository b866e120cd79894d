import type { AxiosInstance } from 'axios';
import type { Logger } from '../logger';
import type { ChangeFeed } from '../store/change-feed';
import type { Db } from '../store/db';
import { deleteInstallation, listRevoked, markRevoked, restoreInstallation, type InstallationRecord } from '../store/installations';
import type { Sealer } from '../security/seal';
import type { HipChatApiError } from './errors';
import { INSTALLATIONS_TOPIC } from './installations';
import { clientUnknown, requestToken, type TokenEvents } from './tokens';

export interface RevocationOptions {
  /** How long HipChat must keep saying "no such client" (from the first refusal to the last) before the installation counts as gone. */
  confirmMs: number;
  /** How long a gone installation's data is kept (and restored if HipChat grants a token again) before it is purged. */
  graceMs: number;
  /** How often a gone installation is asked about again during the grace period. */
  probeEveryMs: number;
}

/** Refusals in a row before an installation counts as gone (besides `confirmMs` having passed). */
const REFUSALS_TO_CONFIRM = 3;
/** How long one answer to "does HipChat still know this client?" is reused: DELETEs from anyone cost HipChat at most one token request per oauthId this often. */
const PROBE_ANSWER_MS = 2_000;

export type ProbeAnswer = 'granted' | 'unknown_client' | 'outage';

export interface RevocationDeps {
  db: Db;
  sealer: Sealer;
  http: AxiosInstance;
  scopes: string[];
  feed: ChangeFeed;
  log: Logger;
  options: RevocationOptions;
  now?: () => number;
}

/**
 * Decides when HipChat no longer knows an installation (DESIGN §5). One refused token request is an
 * outage: only HipChat's clear "no such client" (401 from the token endpoint), repeated over
 * `confirmMs`, or answered to the add-on's own question during an uninstall, marks it revoked. Its data
 * is kept for `graceMs`, restored if HipChat grants a token again, and purged after.
 */
export class RevocationWatch implements TokenEvents {
  private readonly refusals = new Map<string, { first: number; count: number }>();
  private readonly lastProbe = new Map<string, number>();
  private readonly probes = new Map<string, { at: number; answer: Promise<ProbeAnswer> }>();
  private readonly rechecks = new Map<string, NodeJS.Timeout>();
  private readonly now: () => number;

  constructor(private readonly deps: RevocationDeps) {
    this.now = deps.now ?? Date.now;
  }

  granted(oauthId: string): void {
    this.refusals.delete(oauthId);
  }

  async refused(oauthId: string, err: HipChatApiError): Promise<void> {
    if (!clientUnknown(err)) {
      this.deps.log.warn({ oauthId, status: err.status }, 'HipChat refused a token; treated as an outage, the request is retried');
      return;
    }
    const now = this.now();
    const seen = this.refusals.get(oauthId) ?? { first: now, count: 0 };
    seen.count++;
    this.refusals.set(oauthId, seen);
    this.deps.log.warn({ oauthId, refusals: seen.count, sinceMs: now - seen.first }, 'HipChat says it does not know this client');
    if (seen.count >= REFUSALS_TO_CONFIRM && now - seen.first >= this.deps.options.confirmMs) await this.conclude(oauthId, 'HipChat kept refusing tokens');
  }

  /** Marks the installation revoked (data kept for the grace period). */
  async conclude(oauthId: string, why: string): Promise<void> {
    this.refusals.delete(oauthId);
    if (await markRevoked(this.deps.db, oauthId, this.now())) {
      await this.deps.feed.publish(INSTALLATIONS_TOPIC, oauthId);
      this.deps.log.warn({ oauthId, graceHours: Math.round(this.deps.options.graceMs / 36e5) }, `${why}: installation marked revoked; its data is kept for the grace period`);
    }
  }

  /**
   * Whether HipChat still grants a token for the installation. Concurrent and repeated questions within
   * PROBE_ANSWER_MS share one token request, so a stream of DELETEs costs HipChat nothing more.
   */
  async probe(record: InstallationRecord): Promise<{ answer: ProbeAnswer; reused: boolean }> {
    const now = this.now();
    const cached = this.probes.get(record.oauthId);
    if (cached && now - cached.at < PROBE_ANSWER_MS) return { answer: await cached.answer, reused: true };
    const answer = this.ask(record);
    this.probes.set(record.oauthId, { at: now, answer });
    if (this.probes.size > 10_000) this.probes.delete(this.probes.keys().next().value as string);
    return { answer: await answer, reused: false };
  }

  /**
   * An uninstall was refused on a reused "still granted" answer: ask HipChat again once that answer has
   * expired, so a real uninstall that came just after a forged one still takes effect.
   */
  recheckLater(record: InstallationRecord): void {
    if (this.rechecks.has(record.oauthId)) return;
    const timer = setTimeout(() => {
      this.rechecks.delete(record.oauthId);
      this.probes.delete(record.oauthId);
      void this.probe(record)
        .then(({ answer }) => (answer === 'unknown_client' ? this.conclude(record.oauthId, 'HipChat no longer knows the client after an uninstall request') : undefined))
        .catch((err: Error) => this.deps.log.error({ err: err.message, oauthId: record.oauthId }, 'uninstall re-check failed'));
    }, PROBE_ANSWER_MS);
    timer.unref();
    this.rechecks.set(record.oauthId, timer);
  }

  /** Stops pending re-checks (shutdown). */
  close(): void {
    for (const timer of this.rechecks.values()) clearTimeout(timer);
    this.rechecks.clear();
  }

  /** Housekeeping: purges installations past their grace period, and asks HipChat about the others. */
  async sweep(): Promise<{ purged: string[]; restored: string[] }> {
    const purged: string[] = [];
    const restored: string[] = [];
    const now = this.now();
    for (const record of await listRevoked(this.deps.db)) {
      if (record.revokedAt !== null && now - record.revokedAt >= this.deps.options.graceMs) {
        if (await deleteInstallation(this.deps.db, record.oauthId)) purged.push(record.oauthId);
        await this.deps.feed.publish(INSTALLATIONS_TOPIC, record.oauthId);
        this.deps.log.info({ oauthId: record.oauthId }, 'revoked installation purged after its grace period');
        continue;
      }
      const last = this.lastProbe.get(record.oauthId);
      if (last !== undefined && now - last < this.deps.options.probeEveryMs) continue;
      this.lastProbe.set(record.oauthId, now);
      this.probes.delete(record.oauthId);
      if ((await this.probe(record)).answer === 'granted' && (await restoreInstallation(this.deps.db, record.oauthId))) {
        restored.push(record.oauthId);
        await this.deps.feed.publish(INSTALLATIONS_TOPIC, record.oauthId);
        this.deps.log.warn({ oauthId: record.oauthId }, 'HipChat grants tokens again: revoked installation restored with its data');
      }
    }
    return { purged, restored };
  }

  private async ask(record: InstallationRecord): Promise<ProbeAnswer> {
    try {
      const oauthSecret = this.deps.sealer.unseal(record.oauthSecretSealed);
      await requestToken(this.deps.http, { oauthId: record.oauthId, oauthSecret, tokenUrl: record.tokenUrl }, this.deps.scopes);
      return 'granted';
    } catch (err) {
      return clientUnknown(err) ? 'unknown_client' : 'outage';
    }
  }
}
