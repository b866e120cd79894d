import { createSecretKey, type KeyObject } from 'node:crypto';
import type { Db } from '../store/db';
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
  groupId: number;
  groupName: string | null;
  roomId: number | null;
  capabilitiesUrl: string;
  apiUrl: string;
  tokenUrl: string;
  homepageUrl: string | null;
}

/** How long an entry is served from memory before it is read again (so another instance's uninstall reaches this one). */
const FRESH_MS = 60_000;

/**
 * Installations served from memory on the hot path (JWT checks, REST calls). Install and uninstall keep
 * it current on this instance; `reload` re-reads one entry (after a failed signature, or once a minute)
 * so that several instances stay correct.
 */
export class InstallationCache {
  private readonly entries = new Map<string, { installation: Installation; loadedAt: number }>();

  constructor(
    private readonly db: Db,
    private readonly sealer: Sealer,
    private readonly now: () => number = Date.now,
  ) {}

  /** The active installation, from memory or else the database; undefined when unknown or revoked. */
  async get(oauthId: string): Promise<Installation | undefined> {
    const entry = this.entries.get(oauthId);
    if (entry && this.now() - entry.loadedAt < FRESH_MS) return entry.installation;
    return this.reload(oauthId);
  }

  async reload(oauthId: string): Promise<Installation | undefined> {
    const record = await findInstallation(this.db, oauthId);
    if (!record || record.state !== 'active') {
      this.entries.delete(oauthId);
      return undefined;
    }
    return this.put(record);
  }

  put(record: InstallationRecord): Installation {
    const installation = this.unsealed(record);
    this.entries.set(record.oauthId, { installation, loadedAt: this.now() });
    return installation;
  }

  forget(oauthId: string): void {
    this.entries.delete(oauthId);
  }

  private unsealed(record: InstallationRecord): Installation {
    const oauthSecret = this.sealer.unseal(record.oauthSecretSealed);
    return {
      oauthId: record.oauthId,
      oauthSecret,
      jwtKey: createSecretKey(Buffer.from(oauthSecret, 'utf8')),
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
