import type { AxiosInstance } from 'axios';
import { timingSafeEqual } from 'node:crypto';
import { AddonError } from '../errors';
import type { Logger } from '../logger';
import type { Sealer } from '../security/seal';
import type { ChangeFeed } from '../store/change-feed';
import type { Db } from '../store/db';
import { findInstallation, saveInstallation } from '../store/installations';
import { InstallRefused, type InstallBody, verifyInstallation } from './install';
import { INSTALLATIONS_TOPIC, type InstallationCache } from './installations';
import type { RevocationWatch } from './revocation';
import type { TokenCache } from './tokens';

export interface LifecycleDeps {
  db: Db;
  sealer: Sealer;
  http: AxiosInstance;
  installations: InstallationCache;
  tokens: TokenCache;
  revocation: RevocationWatch;
  feed: ChangeFeed;
  allowedHosts: string[];
  scopes: string[];
  log: Logger;
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Verifies and stores an installation; the same installation posted again is re-verified and kept (and
 * a revoked one within its grace period comes back with its data).
 */
export async function install(deps: LifecycleDeps, body: InstallBody): Promise<void> {
  const known = await findInstallation(deps.db, body.oauthId);
  if (known && !sameSecret(deps.sealer.unseal(known.oauthSecretSealed), body.oauthSecret)) {
    throw new InstallRefused(409, `oauthId ${body.oauthId} is already installed with another secret; uninstall it in HipChat first`);
  }
  const verified = await verifyInstallation(body, deps);
  await saveInstallation(deps.db, { ...verified, oauthSecretSealed: deps.sealer.seal(verified.oauthSecret) });
  const record = await findInstallation(deps.db, body.oauthId);
  if (record) deps.installations.put(record);
  deps.tokens.invalidate(body.oauthId);
  await deps.feed.publish(INSTALLATIONS_TOPIC, body.oauthId);
  deps.log.info({ oauthId: verified.oauthId, groupId: verified.groupId, roomId: verified.roomId, restored: known?.state === 'revoked' }, 'installed');
}

/**
 * Uninstalls only when HipChat no longer grants a token for the oauthId, so a forged DELETE changes
 * nothing; the installation is then marked revoked and its data kept for the grace period. Returns
 * false when the installation was not active (already gone).
 */
export async function uninstall(deps: LifecycleDeps, oauthId: string): Promise<boolean> {
  const record = await findInstallation(deps.db, oauthId);
  if (!record || record.state !== 'active') return false;
  const { answer, reused } = await deps.revocation.probe(record);
  if (answer === 'unknown_client') {
    deps.tokens.invalidate(oauthId);
    await deps.revocation.conclude(oauthId, 'Uninstalled in HipChat');
    return true;
  }
  if (answer === 'outage') {
    throw new AddonError(502, 'hipchat_unavailable', `Could not ask HipChat whether ${oauthId} is still installed; try again`, { retryAfterSeconds: 30 });
  }
  if (reused) deps.revocation.recheckLater(record);
  throw new AddonError(403, 'still_installed', `HipChat still grants tokens for ${oauthId}; uninstall the add-on from HipChat's integrations page`, { retryable: false });
}
