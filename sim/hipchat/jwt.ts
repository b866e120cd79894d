import jwt from 'jsonwebtoken';
import { randomString } from './tokens';

export interface JwtSubject {
  /** The acting user; omitted from the claims when there is none (e.g. room_created by the system). */
  userId?: number;
  roomId?: number;
  expiresInSeconds?: number;
}

/**
 * The JWT HipChat put in `signed_request` (docs §4): HS256 with the installation's oauthSecret,
 * `iss` = oauthId, `sub` = the user id as a string, `jti` of 20 random characters. The user is also in
 * `prn`, the older claim ac-node-hipchat and ac-koa-hipchat read (docs §4, open question 4).
 */
export function signHipChatJwt(oauthId: string, oauthSecret: string, subject: JwtSubject): string {
  const iat = Math.floor(Date.now() / 1000);
  const context: { room_id?: number; user_tz: string } = { user_tz: 'UTC' };
  if (subject.roomId !== undefined) context.room_id = subject.roomId;
  const claims: Record<string, unknown> = {
    iss: oauthId,
    iat,
    exp: iat + (subject.expiresInSeconds ?? 900),
    jti: randomString(20),
    context,
  };
  if (subject.userId !== undefined) {
    claims.sub = String(subject.userId);
    claims.prn = String(subject.userId);
  }
  return jwt.sign(claims, oauthSecret, { algorithm: 'HS256' });
}
