import { randomBytes } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import jwt from 'jsonwebtoken';
import type { Logger } from '../logger';
import type { HipChatClient } from './client';
import type { Installation, InstallationCache } from './installations';

/** How far a token's clock may be off: exp may be this much past, iat this much ahead. */
const LEEWAY_SECONDS = 60;
/** Lifetime of the tokens the add-on gives its own pages. */
export const PAGE_TOKEN_SECONDS = 15 * 60;

/** What every HipChat-signed request carries once verified (DESIGN §3). */
export interface HipChatContext {
  installation: Installation;
  /** The acting HipChat user (`sub`, else `prn`), when the token names one. */
  userId: string | undefined;
  /** The room the request is about: the token's context.room_id, else the installation's room. */
  roomId: number | undefined;
  client: HipChatClient;
  log: Logger;
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      hipchat?: HipChatContext;
    }
  }
}

export function contextOf(req: Request): HipChatContext {
  if (!req.hipchat) throw new Error('No HipChat context: route is missing the JWT middleware');
  return req.hipchat;
}

/** The JWT from `?signed_request=`, `Authorization: JWT <t>` or `Authorization: JWT token=<t>`. */
export function extractToken(req: Request): string | undefined {
  const query = req.query.signed_request;
  if (typeof query === 'string' && query) return query;
  const header = req.headers.authorization;
  const match = header && /^JWT\s+(?:token\s*=\s*)?(\S+)$/i.exec(header.trim());
  return match?.[1];
}

export class JwtRejected extends Error {}

interface Claims {
  iss: string;
  sub?: string | number;
  prn?: string | number;
  iat?: number;
  exp: number;
  context?: { room_id?: number | string };
}

/**
 * Verifies a HipChat JWT: `iss` is read unverified only to find the installation, then HS256 with that
 * installation's secret (algorithm pinned), `exp` required with a small leeway, `iat` not in the future.
 */
export async function verifyHipChatJwt(token: string, installations: InstallationCache, now = Date.now()): Promise<{ installation: Installation; claims: Claims }> {
  const decoded = jwt.decode(token, { complete: true });
  if (!decoded || typeof decoded.payload !== 'object') throw new JwtRejected('the token is not a JWT');
  if (decoded.header.alg !== 'HS256') throw new JwtRejected(`the token is signed with ${decoded.header.alg}; only HS256 is accepted`);
  const iss = decoded.payload.iss;
  if (typeof iss !== 'string' || !iss) throw new JwtRejected('the token has no issuer (iss)');

  let installation = await installations.get(iss);
  if (!installation) throw new JwtRejected('the token was issued for an installation this add-on does not know');
  const options = { algorithms: ['HS256' as const], clockTolerance: LEEWAY_SECONDS, clockTimestamp: Math.floor(now / 1000) };
  let claims: Claims;
  try {
    claims = jwt.verify(token, installation.jwtKey, options) as Claims;
  } catch (err) {
    if (!(err instanceof jwt.JsonWebTokenError && err.message === 'invalid signature')) throw reject(err);
    // Another instance may have re-installed this oauthId: read it again before refusing.
    installation = await installations.reload(iss);
    if (!installation) throw new JwtRejected('the token was issued for an installation this add-on does not know');
    try {
      claims = jwt.verify(token, installation.jwtKey, options) as Claims;
    } catch (err2) {
      throw reject(err2);
    }
  }
  if (typeof claims.exp !== 'number') throw new JwtRejected('the token has no expiry (exp)');
  if (typeof claims.iat === 'number' && claims.iat > now / 1000 + LEEWAY_SECONDS) throw new JwtRejected('the token was issued in the future (iat); check the clocks');
  return { installation, claims };
}

function reject(err: unknown): JwtRejected {
  if (err instanceof jwt.TokenExpiredError) return new JwtRejected('the token has expired; reload the page');
  if (err instanceof jwt.JsonWebTokenError && err.message === 'invalid signature') return new JwtRejected('the token signature does not match this installation');
  return new JwtRejected('the token is malformed or invalid');
}

export interface JwtMiddlewareDeps {
  installations: InstallationCache;
  clientFor(installation: Installation): HipChatClient;
}

/** Express middleware: verifies the request's HipChat JWT and puts a HipChatContext on `req.hipchat`. */
export function requireHipChatJwt(deps: JwtMiddlewareDeps): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    const token = extractToken(req);
    if (!token) return unauthorized(res, 'No JWT: expected ?signed_request=, or an Authorization: JWT header');
    let verified;
    try {
      verified = await verifyHipChatJwt(token, deps.installations);
    } catch (err) {
      if (err instanceof JwtRejected) {
        req.log?.info({ reason: err.message }, 'JWT rejected');
        return unauthorized(res, `Invalid JWT: ${err.message}`);
      }
      throw err;
    }
    const { installation, claims } = verified;
    const userId = claims.sub ?? claims.prn;
    const roomFromToken = Number(claims.context?.room_id);
    const roomId = Number.isInteger(roomFromToken) && roomFromToken > 0 ? roomFromToken : (installation.roomId ?? undefined);
    let log: Logger | undefined;
    req.hipchat = {
      installation,
      userId: userId === undefined ? undefined : String(userId),
      roomId,
      client: deps.clientFor(installation),
      // Made on first use: most webhooks are acknowledged without logging anything.
      get log() {
        return (log ??= (req.log as Logger).child({ oauthId: installation.oauthId, userId, roomId }));
      },
    };
    next();
  };
}

function unauthorized(res: Response, message: string): void {
  res.status(401).set('WWW-Authenticate', 'JWT').json({ error: { code: 'invalid_jwt', message } });
}

/** A fresh short-lived token for a page the add-on renders, to send back as `Authorization: JWT <t>`. */
export function signPageToken(context: Pick<HipChatContext, 'installation' | 'userId' | 'roomId'>, now = Date.now()): string {
  const iat = Math.floor(now / 1000);
  return jwt.sign(
    {
      iss: context.installation.oauthId,
      ...(context.userId !== undefined ? { sub: context.userId } : {}),
      iat,
      exp: iat + PAGE_TOKEN_SECONDS,
      jti: randomBytes(15).toString('base64url'),
      context: { room_id: context.roomId },
    },
    context.installation.jwtKey,
    { algorithm: 'HS256' },
  );
}
