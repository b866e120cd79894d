import { Router, type Response } from 'express';
import { ApiError, AUTH_REQUIRED, INVALID_CLIENT } from '../errors';
import type { Faults, InjectedFailure } from '../faults';
import type { OAuthRegistry } from '../oauth';
import type { World } from '../state';

/**
 * `POST /v2/oauth/token` (docs §3): Basic oauthId:oauthSecret, `grant_type=client_credentials` and a
 * space-separated `scope`, as a form body (the documented way) or JSON (as ac-node-hipchat sends it).
 * `faults.tokenHang` and `faults.tokenFailNext` act before anything is checked.
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
    if (body.grant_type !== 'client_credentials') {
      throw new ApiError(400, `Unsupported grant_type ${JSON.stringify(body.grant_type ?? null)}; add-ons use client_credentials`);
    }
    if (body.scope !== undefined && typeof body.scope !== 'string') {
      throw new ApiError(400, 'scope must be a space-separated string');
    }
    const requested = body.scope?.split(/\s+/).filter(Boolean);
    const grant = oauth.grant(decoded.slice(0, colon), decoded.slice(colon + 1), requested?.length ? requested : undefined);
    if (!grant.ok) throw new ApiError(grant.status, grant.message);

    res.set('Cache-Control', 'no-store').json({
      access_token: grant.token.token,
      token_type: 'bearer',
      scope: grant.token.scopes.join(' '),
      expires_in: grant.expiresIn,
      group_id: world.group.id,
      group_name: world.group.name,
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
