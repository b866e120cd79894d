import { signHipChatJwt } from '../sim/hipchat/jwt';

/**
 * HipChat-signed JWTs (HS256 with the installation's secret, `iss`, `sub`, `context.room_id`, a random
 * `jti`), made before the load starts: signing is HipChat's cost, not the add-on's.
 */
export function signedTokens(count: number, installation: { oauthId: string; oauthSecret: string }, subject: { userId: number; roomId: number }): string[] {
  return Array.from({ length: count }, () => signHipChatJwt(installation.oauthId, installation.oauthSecret, { ...subject, expiresInSeconds: 900 }));
}

export function pick<T>(pool: readonly T[], i: number): T {
  const item = pool[i % pool.length];
  if (item === undefined) throw new Error('empty pool');
  return item;
}
