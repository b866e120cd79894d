import { randomBytes } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import jwt from 'jsonwebtoken';
import { AddonError } from '../errors';
import type { Logger } from '../logger';
import type { HipChatClient } from './client';
import { OAUTH_ID } from './install';
import type { Installation, InstallationCache } from './installations';

/** How far a token's clock may be off: exp may be this much past, iat this much ahead. */
const LEEWAY_SECONDS = 60;
/** Lifetime of the tokens the add-on gives its own pages. */
export const PAGE_TOKEN_SECONDS = 15 * 60;
/** The `kid` header of page tokens: says which key to check them with, and that HipChat did not sign them. */
const PAGE_KID = 'addon-page';

/** Who signed a verified token: HipChat (the installation's secret) or the add-on for one of its pages. */
export type TokenKind = 'hipchat' | 'page';

/** What every HipChat-signed request carries once verified (DESIGN §3). */
export interface HipChatContext {
  installation: Installation;
  /** The acting HipChat user (`sub`, else `prn`), when the token names one. */
  userId: string | undefined;
  /** The room the request is about: the token's context.room_id, else the installation's room. */
  roomId: number | undefined;
  /** Whether the room came from the token itself (and not only from a room installation). */
  roomFromToken: boolean;
  tokenKind: TokenKind;
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

/** A refused token: 401 with `WWW-Authenticate: JWT`, or 400 for a token sent in a way HipChat never sends one. */
export class JwtRejected extends AddonError {
  override readonly name = 'JwtRejected';
  constructor(reason: string, status: 400 | 401 | 403 = 401) {
    super(status, status === 403 ? 'wrong_room' : status === 400 ? 'invalid_token_placement' : 'invalid_jwt', status === 401 ? `Invalid JWT: ${reason}` : reason, {
      retryable: false,
      ...(status === 401 ? { headers: { 'WWW-Authenticate': 'JWT' } } : {}),
    });
  }
}

/**
 * The JWT from `?signed_request=`, `Authorization: JWT <t>` or `Authorization: JWT token=<t>`. The query
 * parameter must be spelled plainly and once: `?%73igned_request=` or `?signed_request[]=` are refused,
 * so that no spelling slips past the log redaction or means something else to another parser.
 */
export function extractToken(req: Request): string | undefined {
  const raw = req.originalUrl ?? req.url;
  const start = raw.indexOf('?');
  let fromQuery: string | undefined;
  if (start >= 0) {
    for (const param of raw.slice(start + 1).split('&')) {
      const eq = param.indexOf('=');
      const rawName = eq < 0 ? param : param.slice(0, eq);
      if (rawName !== 'signed_request') {
        if (!/signed|%/i.test(rawName)) continue;
        const name = safeDecode(rawName);
        if (!/^signed_request/i.test(name.replace(/\s/g, ''))) continue;
        throw new JwtRejected('Send the JWT as ?signed_request=<token>, spelled plainly.', 400);
      }
      if (fromQuery !== undefined) throw new JwtRejected('Send ?signed_request= once.', 400);
      const value = eq < 0 ? '' : param.slice(eq + 1);
      // A JWT needs no escaping (base64url and dots): decode only what was escaped.
      fromQuery = /[%+]/.test(value) ? safeDecode(value) : value;
    }
  }
  if (fromQuery) return fromQuery;
  const header = req.headers.authorization;
  const match = header && /^JWT\s+(?:token\s*=\s*)?(\S+)$/i.exec(header.trim());
  return match?.[1];
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return value;
  }
}

interface Claims {
  iss: string;
  sub?: string | number;
  prn?: string | number;
  iat?: number;
  exp: number;
  context?: { room_id?: number | string };
}

export interface VerifiedToken {
  installation: Installation;
  claims: Claims;
  kind: TokenKind;
}

/**
 * Verifies a JWT: `iss` is read unverified only to find the installation, then HS256 (pinned) with the
 * installation's secret — or, for a page token (`kid` header) where `acceptPage`, with the page key
 * derived from it — `exp` required with a small leeway, `iat` not in the future.
 */
export async function verifyJwt(token: string, installations: InstallationCache, acceptPage: boolean, now = Date.now()): Promise<VerifiedToken> {
  const decoded = decodeUnverified(token);
  if (!decoded) throw new JwtRejected('the token is not a JWT');
  if (decoded.header.alg !== 'HS256') throw new JwtRejected(`the token is signed with ${String(decoded.header.alg).slice(0, 20)}; only HS256 is accepted`);
  const kind: TokenKind = decoded.header.kid === PAGE_KID ? 'page' : 'hipchat';
  if (kind === 'page' && !acceptPage) throw new JwtRejected('a page token is not accepted here; only HipChat signs these requests');
  const iss = decoded.payload.iss;
  if (typeof iss !== 'string' || !iss || iss.length > 100) throw new JwtRejected('the token has no issuer (iss)');
  // Checked before the database is asked (PostgreSQL refuses a NUL in a query).
  if (!OAUTH_ID.test(iss)) throw new JwtRejected('the token was issued for an installation this add-on does not know');

  let installation = await installations.get(iss);
  if (!installation) throw new JwtRejected('the token was issued for an installation this add-on does not know');
  const options = { algorithms: ['HS256' as const], clockTolerance: LEEWAY_SECONDS, clockTimestamp: Math.floor(now / 1000) };
  const keyOf = (i: Installation) => (kind === 'page' ? i.pageKey : i.jwtKey);
  let claims: Claims;
  try {
    claims = jwt.verify(token, keyOf(installation), options) as Claims;
  } catch (err) {
    if (!(err instanceof jwt.JsonWebTokenError && err.message === 'invalid signature')) throw reject(err);
    // Another instance may have re-installed this oauthId: read it again (rarely) before refusing.
    const reloaded = await installations.reloadAfterMismatch(iss);
    if (!reloaded || reloaded === installation) throw reject(err);
    installation = reloaded;
    try {
      claims = jwt.verify(token, keyOf(installation), options) as Claims;
    } catch (err2) {
      throw reject(err2);
    }
  }
  if (typeof claims.exp !== 'number') throw new JwtRejected('the token has no expiry (exp)');
  if (typeof claims.iat === 'number' && claims.iat > now / 1000 + LEEWAY_SECONDS) throw new JwtRejected('the token was issued in the future (iat); check the clocks');
  return { installation, claims, kind };
}

/**
 * The header and claims, read without checking anything, only to choose the key: jsonwebtoken's verify
 * decodes the token again and checks everything (jwt.decode here would be a third parse).
 */
function decodeUnverified(token: string): { header: { alg?: unknown; kid?: unknown }; payload: { iss?: unknown } } | undefined {
  const [header, payload, signature, extra] = token.split('.');
  if (!header || !payload || signature === undefined || extra !== undefined) return undefined;
  try {
    const parsed = [JSON.parse(Buffer.from(header, 'base64url').toString()), JSON.parse(Buffer.from(payload, 'base64url').toString())] as unknown[];
    if (parsed.some((part) => typeof part !== 'object' || part === null)) return undefined;
    return { header: parsed[0] as { alg?: unknown; kid?: unknown }, payload: parsed[1] as { iss?: unknown } };
  } catch {
    return undefined;
  }
}

function reject(err: unknown): JwtRejected {
  if (err instanceof jwt.TokenExpiredError) return new JwtRejected('the token has expired; reload the page');
  if (err instanceof jwt.JsonWebTokenError && err.message === 'invalid signature') return new JwtRejected('the token signature does not match this installation');
  return new JwtRejected('the token is malformed or invalid');
}

export interface JwtMiddlewareDeps {
  installations: InstallationCache;
  clientFor(installation: Installation): HipChatClient;
  /** Runs for each refused token: may answer 429 instead when one address sends too many. */
  onRejected?: RequestHandler;
}

export interface JwtMiddleware {
  /** Only HipChat's own JWT: webhooks, and the pages HipChat loads (configure tab, dialogs, glances). */
  hipchat: RequestHandler;
  /** HipChat's JWT or a page token: the pages' own calls back to the add-on. */
  page: RequestHandler;
}

/** Express middleware: verifies the request's JWT and puts a HipChatContext on `req.hipchat`. */
export function jwtMiddleware(deps: JwtMiddlewareDeps): JwtMiddleware {
  const make = (acceptPage: boolean): RequestHandler => async (req: Request, res: Response, next: NextFunction) => {
    let verified: VerifiedToken;
    try {
      const token = extractToken(req);
      if (!token) throw new JwtRejected('No JWT: expected ?signed_request=, or an Authorization: JWT header');
      verified = await verifyJwt(token, deps.installations, acceptPage);
    } catch (err) {
      if (!(err instanceof JwtRejected)) throw err;
      req.log?.info({ reason: err.message }, 'JWT rejected');
      if (!deps.onRejected) throw err;
      return deps.onRejected(req, res, (limited?: unknown) => next(limited ?? err));
    }
    const { installation, claims, kind } = verified;
    const userId = claims.sub ?? claims.prn;
    const roomFromToken = Number(claims.context?.room_id);
    const hasRoom = Number.isInteger(roomFromToken) && roomFromToken > 0;
    // A room installation covers its own room only, whatever a token says.
    if (hasRoom && installation.roomId !== null && installation.roomId !== roomFromToken) {
      throw new JwtRejected(`This installation belongs to room ${installation.roomId}, not room ${roomFromToken}.`, 403);
    }
    const roomId = hasRoom ? roomFromToken : (installation.roomId ?? undefined);
    req.hipchat = new RequestContext(installation, userId === undefined ? undefined : String(userId), roomId, hasRoom, kind, req, deps.clientFor);
    next();
  };
  return { hipchat: make(false), page: make(true) };
}

/** The context of one verified request; its client and child logger are made on first use (most webhooks need neither). */
class RequestContext implements HipChatContext {
  private madeClient: HipChatClient | undefined;
  private madeLog: Logger | undefined;

  constructor(
    readonly installation: Installation,
    readonly userId: string | undefined,
    readonly roomId: number | undefined,
    readonly roomFromToken: boolean,
    readonly tokenKind: TokenKind,
    private readonly req: Request,
    private readonly clientFor: (installation: Installation) => HipChatClient,
  ) {}

  get client(): HipChatClient {
    return (this.madeClient ??= this.clientFor(this.installation));
  }

  get log(): Logger {
    return (this.madeLog ??= this.req.log.child({ oauthId: this.installation.oauthId, userId: this.userId, roomId: this.roomId }));
  }
}

/**
 * A short-lived token for a page the add-on renders, to send back as `Authorization: JWT <t>`. It is
 * signed with the page key, so it is never taken for HipChat's own JWT, and it is only made when HipChat
 * loads the page: a page's tokens cannot outlive that load by more than one lifetime.
 */
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
    context.installation.pageKey,
    { algorithm: 'HS256', keyid: PAGE_KID },
  );
}
