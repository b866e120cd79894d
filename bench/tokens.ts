import { signHipChatJwt } from '../sim/hipchat/jwt';

/** Who a pre-signed webhook token speaks for: an installation, a room of its group and a user. */
export interface SignedFor {
  token: string;
  oauthId: string;
  roomId: number;
  userId: number;
}

/**
 * HipChat-signed JWTs (HS256 with the installation's secret, `iss`, `sub`, `context.room_id`, a random
 * `jti`), made before the load starts: signing is HipChat's cost, not the add-on's. The i-th token is for
 * installation i, room and user i of their own ranges, so every per-installation, per-room and per-user
 * cache is fed, not one entry.
 */
export function signedTokens(installations: ReadonlyArray<{ oauthId: string; oauthSecret: string }>, count: number, first = { roomId: 1000, userId: 10 }): SignedFor[] {
  return Array.from({ length: count }, (_, i) => {
    const installation = installations[i % installations.length]!;
    const roomId = first.roomId + (i % 1000);
    const userId = first.userId + ((i * 7) % 1000);
    return { token: signHipChatJwt(installation.oauthId, installation.oauthSecret, { userId, roomId, expiresInSeconds: 900 }), oauthId: installation.oauthId, roomId, userId };
  });
}

export function pick<T>(pool: readonly T[], i: number): T {
  const item = pool[i % pool.length];
  if (item === undefined) throw new Error('empty pool');
  return item;
}
