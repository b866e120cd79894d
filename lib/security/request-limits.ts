import type { RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import { AddonError } from '../errors';

/**
 * Per-address limits on what anyone can send without credentials (express-rate-limit, memory store, so
 * per instance). Install and uninstall make the add-on call HipChat, so each request counts. Requests with
 * credentials are limited only when the credentials are refused: `failedAuth` runs after a refusal, so
 * signed webhooks and authenticated callbacks are never slowed or refused by it.
 */
export interface RequestLimits {
  install: RequestHandler;
  uninstall: RequestHandler;
  failedAuth: RequestHandler;
}

const MINUTE = 60_000;

export function createRequestLimits(perMinute: number): RequestLimits {
  const limiter = (limit: number, what: string) =>
    rateLimit({
      windowMs: MINUTE,
      limit,
      standardHeaders: 'draft-7',
      legacyHeaders: false,
      // The rate limiter's own check of `trust proxy` is the operator's choice (TRUST_PROXY), not a fault.
      validate: { trustProxy: false, xForwardedForHeader: false },
      handler: (_req, _res, next, options) => {
        next(
          new AddonError(429, 'rate_limited', `Too many ${what} from this address; try again in a minute.`, {
            retryAfterSeconds: Math.ceil(options.windowMs / 1000),
          }),
        );
      },
    });
  return {
    install: limiter(Math.max(1, Math.ceil(perMinute / 3)), 'installation requests'),
    uninstall: limiter(perMinute, 'uninstall requests'),
    failedAuth: limiter(perMinute, 'requests with refused credentials'),
  };
}
