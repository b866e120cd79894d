import type { ChangeFeed } from '../store/change-feed';
import type { Db } from '../store/db';
import { findCallbackCredentials } from '../store/settings';
import { passwordMatches } from './callback-credentials';

/** The change-feed topic of callback credentials: published when they are created or regenerated (key: username). */
export const CALLBACK_CREDENTIALS_TOPIC = 'callback-credentials';

const FRESH_MS = 60_000;
const MAX_ENTRIES = 10_000;

/**
 * Checks the Basic credentials of xMatters callbacks against the stored password hashes, with the
 * lookups kept in memory (unknown usernames too) so a flood of wrong credentials costs no database reads.
 * Regenerating credentials on any instance drops the entry through the change feed.
 */
export class CallbackAuthenticator {
  private readonly entries = new Map<string, { found: { installationId: string; passwordHash: string } | undefined; at: number }>();

  constructor(
    private readonly db: Db,
    feed: ChangeFeed,
    private readonly now: () => number = Date.now,
  ) {
    feed.subscribe(CALLBACK_CREDENTIALS_TOPIC, (username) => (username === '*' ? this.entries.clear() : this.entries.delete(username)));
  }

  /** The installation the credentials belong to, or undefined when they are wrong. */
  async authenticate(username: string, password: string): Promise<string | undefined> {
    // Usernames are visible ASCII (xm-…); anything else is wrong without asking the database, which may refuse it (a NUL on PostgreSQL).
    if (!/^[\x21-\x7E]{1,100}$/.test(username)) return undefined;
    const now = this.now();
    let entry = this.entries.get(username);
    if (!entry || now - entry.at >= FRESH_MS) {
      entry = { found: await findCallbackCredentials(this.db, username), at: now };
      this.entries.delete(username);
      this.entries.set(username, entry);
      if (this.entries.size > MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value as string);
    }
    return entry.found && passwordMatches(password, entry.found.passwordHash) ? entry.found.installationId : undefined;
  }
}
