import type { AxiosInstance } from 'axios';
import { timingSafeEqual } from 'node:crypto';
import type { Logger } from '../logger';
import type { Sealer } from '../security/seal';
import type { Db } from '../store/db';
import { deleteInstallation, findInstallation, revokeInstallation, saveInstallation } from '../store/installations';
import { HipChatApiError } from './errors';
import { InstallRefused, type InstallBody, verifyInstallation } from './install';
import type { InstallationCache } from './installations';
import { requestToken, type TokenCache } from './tokens';

export interface LifecycleDeps {
  db: Db;
  sealer: Sealer;
  http: AxiosInstance;
  installations: InstallationCache;
  tokens: TokenCache;
  allowedHosts: string[];
  scopes: string[];
  log: Logger;
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Verifies and stores an installation; the same installation posted again is re-verified and kept. */
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
  deps.log.info({ oauthId: verified.oauthId, groupId: verified.groupId, roomId: verified.roomId }, 'installed');
}

export class UninstallRefused extends Error {
  constructor(
    readonly status: 403 | 502,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Uninstalls only when HipChat no longer grants a token for the oauthId, so a forged DELETE changes
 * nothing. Returns false when the installation was not known (already gone).
 */
export async function uninstall(deps: LifecycleDeps, oauthId: string): Promise<boolean> {
  const record = await findInstallation(deps.db, oauthId);
  if (!record) return false;
  const oauthSecret = deps.sealer.unseal(record.oauthSecretSealed);
  try {
    await requestToken(deps.http, { oauthId, oauthSecret, tokenUrl: record.tokenUrl }, deps.scopes);
  } catch (err) {
    if (!(err instanceof HipChatApiError && err.code === 'revoked')) {
      throw new UninstallRefused(502, `Could not ask HipChat whether ${oauthId} is still installed (${(err as Error).message}); try again`);
    }
    await purge(deps, oauthId);
    return true;
  }
  throw new UninstallRefused(403, `HipChat still grants tokens for ${oauthId}; uninstall the add-on from HipChat's integrations page`);
}

/** HipChat refused a grant outside an uninstall: the installation is gone, whatever order HipChat calls in. */
export async function revoked(deps: Pick<LifecycleDeps, 'db' | 'installations' | 'log'>, oauthId: string): Promise<void> {
  deps.installations.forget(oauthId);
  await revokeInstallation(deps.db, oauthId);
  deps.log.warn({ oauthId }, 'HipChat refused a token: installation marked revoked');
}

async function purge(deps: LifecycleDeps, oauthId: string): Promise<void> {
  deps.installations.forget(oauthId);
  deps.tokens.invalidate(oauthId);
  await deleteInstallation(deps.db, oauthId);
  deps.log.info({ oauthId }, 'uninstalled');
}
