import { Router, type Response } from 'express';
import { ApiError, AUTH_REQUIRED, INVALID_CLIENT } from '../errors';
import type { Faults, InjectedFailure } from '../faults';
import type { GrantResult, OAuthRegistry } from '../oauth';
import type { World } from '../state';

/**
 * `POST /v2/oauth/token` (docs §3): Basic oauthId:oauthSecret and, as a form body (the documented way)
 * or JSON (as ac-node-hipchat sends it), `grant_type=client_credentials` with a space-separated `scope`
 * for add-on tokens, or `authorization_code` (`code`, `redirect_uri`) and `refresh_token` for user
 * tokens (the grant types oswynb/hipchat-hs `Auth.hs` and ymtszw/hipchat_elixir list; a user token
 * answer also has `refresh_token`). `faults.tokenHang` and `faults.tokenFailNext` act first.
 */
export function tokenRouter(oauth: OAuthRegistry, world: World, faults: Faults): Router {
  const router = Router();
  router.post('/oauth/token', async (req, res) => {
    if (!(await faults.holdTokenRequest(closedSignal(res)))) return;
    const failure = faults.takeTokenFailure();
    if (failure) throw injected(failure);

    const basic = /^Basic\s+(\S+)$/i.exec(req.get('authorization') ?? '');
    if (!basic?.[1]) throw new ApiError(401, AUTH_REQUIRED);
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw new ApiError(401, 'Basic credentials must be oauthId:oauthSecret');

    const body = (req.body ?? {}) as Record<string, unknown>;
    for (const name of ['scope', 'code', 'redirect_uri', 'refresh_token']) {
      if (body[name] !== undefined && typeof body[name] !== 'string') throw new ApiError(400, `${name} must be a string`);
    }
    const requested = (body.scope as string | undefined)?.split(/\s+/).filter(Boolean);
    const scopes = requested?.length ? requested : undefined;
    const oauthId = decoded.slice(0, colon);
    const secret = decoded.slice(colon + 1);
    let grant: GrantResult;
    if (body.grant_type === 'client_credentials') {
      grant = oauth.grant(oauthId, secret, scopes);
    } else if (body.grant_type === 'authorization_code') {
      if (typeof body.code !== 'string') throw new ApiError(400, 'code is required for grant_type authorization_code');
      grant = oauth.exchangeCode(oauthId, secret, body.code, body.redirect_uri as string | undefined);
    } else if (body.grant_type === 'refresh_token') {
      if (typeof body.refresh_token !== 'string') throw new ApiError(400, 'refresh_token is required for grant_type refresh_token');
      grant = oauth.refresh(oauthId, secret, body.refresh_token, scopes);
    } else {
      throw new ApiError(400, `Unsupported grant_type ${JSON.stringify(body.grant_type ?? null)}; use client_credentials, authorization_code or refresh_token`);
    }
    if (!grant.ok) throw new ApiError(grant.status, grant.message);

    res.set('Cache-Control', 'no-store').json({
      access_token: grant.token.token,
      token_type: 'bearer',
      scope: grant.token.scopes.join(' '),
      expires_in: grant.expiresIn,
      group_id: world.group.id,
      group_name: world.group.name,
      ...(grant.refreshToken === undefined ? {} : { refresh_token: grant.refreshToken }),
    });
  });
  return router;
}

/** Aborts when the connection goes away (the client gave up, or the simulator closed). */
function closedSignal(res: Response): AbortSignal {
  const gone = new AbortController();
  res.once('close', () => gone.abort());
  return gone.signal;
}

/** A queued refusal, worded as HipChat words that status (a 401 looks exactly like a revoked client). */
function injected({ status, retryAfter }: InjectedFailure): ApiError {
  const headers: Record<string, string> = retryAfter === undefined ? {} : { 'Retry-After': String(retryAfter) };
  const message =
    status === 401
      ? INVALID_CLIENT
      : status === 429
        ? 'You have exceeded the rate limit for token requests'
        : `Simulated failure (HTTP ${status})`;
  return new ApiError(status, message, headers);
}
