import type { RequestHandler, Response } from 'express';
import { ApiError, AUTH_REQUIRED, INVALID_SESSION } from '../errors';
import type { Faults } from '../faults';
import type { CallLog, WindowCounter } from '../limits';
import type { World } from '../state';
import { oauthIdOf, userIdOf, type AccessToken, type TokenStore } from '../tokens';

export function tokenOf(res: Response): AccessToken {
  return res.locals.token as AccessToken;
}

/**
 * Bearer token (`Authorization: Bearer` or `?auth_token=`; a deleted user's tokens no longer work), then
 * the per-token rate limit with its headers on every response (docs §5), then any failure queued with
 * `faults.failNext`.
 */
export function authenticate(tokens: TokenStore, world: World, rateLimit: WindowCounter, faults: Faults, calls: CallLog): RequestHandler {
  return (req, res, next) => {
    const header = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '');
    const queryToken = typeof req.query.auth_token === 'string' ? req.query.auth_token : undefined;
    const presented = header?.[1] ?? queryToken;
    if (!presented) throw new ApiError(401, AUTH_REQUIRED);
    const token = tokens.authenticate(presented);
    const userId = token ? userIdOf(token.principal) : undefined;
    if (!token || (userId !== undefined && world.users.get(userId)?.is_deleted !== false)) throw new ApiError(401, INVALID_SESSION);
    const oauthId = oauthIdOf(token.principal);
    if (oauthId !== undefined) calls.add(oauthId);

    const window = rateLimit.hit(token.token);
    res.set({
      'X-Ratelimit-Limit': String(window.limit),
      'X-Ratelimit-Remaining': String(window.remaining),
      'X-Ratelimit-Reset': String(window.reset),
    });
    if (!window.allowed) {
      throw new ApiError(429, `You have exceeded the rate limit of ${window.limit} requests per 5 minutes for this token`);
    }

    const failure = faults.takeFailure();
    if (failure) {
      const headers: Record<string, string> = failure.retryAfter === undefined ? {} : { 'Retry-After': String(failure.retryAfter) };
      throw new ApiError(failure.status, `Simulated failure (HTTP ${failure.status})`, headers);
    }
    res.locals.token = token;
    next();
  };
}

/**
 * 403 unless the token holds one of `scopes`, worded as HipChat did (hygieia/hygieia#248,
 * invernizzi/hiplogging#14). `auth_test=true` stops here with 202 (docs §3).
 */
export function requireScope(...scopes: string[]): RequestHandler {
  return (req, res, next) => {
    if (!scopes.some((scope) => tokenOf(res).scopes.includes(scope))) {
      const list = scopes.map((scope) => `u'${scope}'`).join(', ');
      throw new ApiError(403, `This action requires one of the following scopes: [${list}]`);
    }
    if (req.query.auth_test === 'true') {
      res.status(202).json({
        success: { code: 202, type: 'Accepted', message: 'This auth_token has access to use this method.' },
      });
      return;
    }
    next();
  };
}
