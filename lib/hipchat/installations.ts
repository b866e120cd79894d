import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import type { Db } from '../store/db';
import type { ChangeFeed } from '../store/change-feed';
import type { Sealer } from '../security/seal';
import { findInstallation, type InstallationRecord } from '../store/installations';

/** An active installation with its secret unsealed: what the JWT check and the REST client need. */
export interface Installation {
  oauthId: string;
  oauthSecret: string;
  /**
   * The secret as a KeyObject for HS256: jsonwebtoken given a string first tries to read it as a public
   * key on every call, which costs about a millisecond (auth0/node-jsonwebtoken#966).
   */
  jwtKey: KeyObject;
  /** The key of the tokens the add-on gives its own pages, derived from the secret: HipChat never signs with it. */
  pageKey: KeyObject;
  groupId: number;
  groupName: string | null;
  roomId: number | null;
  capabilitiesUrl: string;
  apiUrl: string;
  tokenUrl: string;
  homepageUrl: string | null;
}

/** The change-feed topic of installations: published on install, revocation, restore and uninstall. */
export const INSTALLATIONS_TOPIC = 'installation';

/** How long an entry is served from memory before it is read again (a lost change notice heals by then). */
const FRESH_MS = 60_000;
/** How long an unknown oauthId is remembered as unknown (an install clears it at once). */
const MISS_MS = 30_000;
/** At most one re-read per oauthId this often after a signature that did not match. */
const RELOAD_EVERY_MS = 10_000;
/** Bounds on what strangers can make the cache hold. */
const MAX_MISSES = 10_000;

export function derivePageKey(oauthSecret: string): KeyObject {
  return createSecretKey(createHmac('sha256', oauthSecret).update('hipchat-xmatters-oncall page token v1').digest());
}

/**
 * Installations served from memory on the hot path (JWT checks, REST calls). Changes made by any
 * instance arrive through the change feed; entries are also read again once a minute. Unknown oauthIds
 * are remembered briefly, so a stream of made-up issuers costs no database reads.
 */
export class InstallationCache {
  private readonly entries = new Map<string, { installation: Installation; loadedAt: number }>();
  private readonly misses = new Map<string, number>();
  private readonly lastReload = new Map<string, number>();
  private readonly loading = new Map<string, Promise<Installation | undefined>>();

  constructor(
    private readonly db: Db,
    private readonly sealer: Sealer,
    private readonly now: () => number = Date.now,
  ) {}

  /** Drops entries when the change feed says they changed. */
  follow(feed: ChangeFeed): void {
    feed.subscribe(INSTALLATIONS_TOPIC, (oauthId) => {
      if (oauthId === '*') {
        this.entries.clear();
        this.misses.clear();
        return;
      }
      this.entries.delete(oauthId);
      this.misses.delete(oauthId);
    });
  }

  /** The active installation, from memory or else the database; undefined when unknown or not active. */
  async get(oauthId: string): Promise<Installation | undefined> {
    const now = this.now();
    const entry = this.entries.get(oauthId);
    if (entry && now - entry.loadedAt < FRESH_MS) return entry.installation;
    const missedAt = this.misses.get(oauthId);
    if (missedAt !== undefined && now - missedAt < MISS_MS) return undefined;
    return this.refresh(oauthId);
  }

  /**
   * Reads the entry again after a signature did not match (another instance may have re-installed it),
   * at most once per RELOAD_EVERY_MS per oauthId; in between, the entry in memory stands.
   */
  async reloadAfterMismatch(oauthId: string): Promise<Installation | undefined> {
    const now = this.now();
    const last = this.lastReload.get(oauthId);
    if (last !== undefined && now - last < RELOAD_EVERY_MS) return this.entries.get(oauthId)?.installation;
    this.lastReload.set(oauthId, now);
    if (this.lastReload.size > MAX_MISSES) this.lastReload.delete(this.lastReload.keys().next().value as string);
    return this.refresh(oauthId);
  }

  put(record: InstallationRecord): Installation | undefined {
    this.misses.delete(record.oauthId);
    if (record.state !== 'active') {
      this.entries.delete(record.oauthId);
      return undefined;
    }
    const installation = this.unsealed(record);
    this.entries.set(record.oauthId, { installation, loadedAt: this.now() });
    return installation;
  }

  forget(oauthId: string): void {
    this.entries.delete(oauthId);
  }

  /** How many installations are held in memory. */
  get size(): number {
    return this.entries.size;
  }

  /** Reads the entry from the database now (concurrent callers share one read). */
  refresh(oauthId: string): Promise<Installation | undefined> {
    let pending = this.loading.get(oauthId);
    if (!pending) {
      pending = this.read(oauthId).finally(() => this.loading.delete(oauthId));
      this.loading.set(oauthId, pending);
    }
    return pending;
  }

  private async read(oauthId: string): Promise<Installation | undefined> {
    const record = await findInstallation(this.db, oauthId);
    if (record?.state === 'active') return this.put(record);
    this.entries.delete(oauthId);
    this.misses.set(oauthId, this.now());
    if (this.misses.size > MAX_MISSES) this.misses.delete(this.misses.keys().next().value as string);
    return undefined;
  }

  private unsealed(record: InstallationRecord): Installation {
    const oauthSecret = this.sealer.unseal(record.oauthSecretSealed);
    return {
      oauthId: record.oauthId,
      oauthSecret,
      jwtKey: createSecretKey(Buffer.from(oauthSecret, 'utf8')),
      pageKey: derivePageKey(oauthSecret),
      groupId: record.groupId,
      groupName: record.groupName,
      roomId: record.roomId,
      capabilitiesUrl: record.capabilitiesUrl,
      apiUrl: record.apiUrl,
      tokenUrl: record.tokenUrl,
      homepageUrl: record.homepageUrl,
    };
  }
}
