import express, { Router, type Request, type RequestHandler, type Response } from 'express';
import { AddonError } from '../lib/errors';
import type { Logger } from '../lib/logger';
import { applyCallback, UnknownInvite, type CallbackContext, type ResponseDeps } from '../lib/invites/responses';
import type { CallbackAuthenticator } from '../lib/security/callback-auth';
import { CallbackPayloadError, parseCallback } from '../lib/xmatters/callbacks';
import { recordCallback, type CallbackOutcome } from '../lib/store/activity';

/** Basic credentials from the Authorization header, or undefined. */
function basicCredentials(req: Request): { username: string; password: string } | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]{1,1000})$/i.exec(req.headers.authorization ?? '');
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      xmatters?: CallbackContext;
    }
  }
}

export interface XMattersRouteDeps {
  responses: ResponseDeps;
  auth: CallbackAuthenticator;
  /** Runs for refused credentials: answers 429 instead of 401 when one address sends too many. */
  failedAuth: RequestHandler;
}

/**
 * What xMatters' outbound integrations send (responses, delivery updates, event status, comments,
 * escalations, targeted-recipient failures), authenticated with the installation's
 * callback credentials before the body is read. Each callback gets a context (installation, logger)
 * and goes to the handler of its kind.
 */
export function xmattersRoutes(deps: XMattersRouteDeps): Router {
  const router = Router();
  const unauthorized = () =>
    new AddonError(401, 'unauthorized', 'Wrong or missing callback credentials: use the username and password from the configure tab', {
      retryable: false,
      headers: { 'WWW-Authenticate': 'Basic realm="xMatters callbacks"' },
    });

  router.post(
    '/xmatters/callbacks',
    async (req, res, next) => {
      const credentials = basicCredentials(req);
      const installationId = credentials && (await deps.auth.authenticate(credentials.username, credentials.password));
      if (!installationId) {
        req.log.warn({ username: credentials?.username?.slice(0, 100) }, 'xMatters callback refused: wrong credentials');
        return deps.failedAuth(req, res, (limited?: unknown) => next(limited ?? unauthorized()));
      }
      let log: Logger | undefined;
      req.xmatters = {
        installationId,
        get log() {
          return (log ??= (req.log as Logger).child({ oauthId: installationId }));
        },
      };
      logActivity(deps, req, res, installationId);
      next();
    },
    express.json({ limit: '64kb' }),
    async (req, res) => {
      const ctx = req.xmatters!;
      let callback;
      const seen = activityOf(req);
      try {
        callback = parseCallback(req.body);
      } catch (err) {
        if (err instanceof CallbackPayloadError) throw (seen.error = new AddonError(400, 'invalid_callback', err.message, { retryable: false }));
        throw err;
      }
      seen.kind = callback.kind;
      // The invite as the room's notices name it (its id's first 8 characters), when the callback carries it.
      const inviteId = /^[0-9a-f]{8}-[0-9a-f-]{27}$/i.exec(callback.properties.invite_id ?? '')?.[0];
      seen.subject = `${inviteId ? `invite ${inviteId.slice(0, 8)} · ` : ''}event ${callback.eventIdentifier}`;
      try {
        const outcome = await applyCallback(deps.responses, ctx, callback);
        ctx.log.info({ kind: callback.kind, eventIdentifier: callback.eventIdentifier, outcome }, 'xMatters callback');
        seen.outcome = outcome === 'applied' ? 'accepted' : 'ignored';
        if (outcome === 'duplicate') seen.error = 'A repeat of a callback already handled';
        res.status(200).json({ status: outcome === 'applied' ? 'accepted' : outcome });
      } catch (err) {
        // Refused with the reason, which the integration's Activity Stream in xMatters shows.
        if (err instanceof UnknownInvite) throw (seen.error = new AddonError(404, 'unknown_invite', err.message, { retryable: false }));
        throw err;
      }
    },
  );
  return router;
}

/** What the activity log says of one authenticated callback, filled in as it is handled. */
interface SeenCallback {
  kind: string;
  subject: string | null;
  outcome?: CallbackOutcome;
  error?: Error | string;
}
const SEEN = Symbol('activity of a callback');
type WithSeen = Request & { [SEEN]?: SeenCallback };

function activityOf(req: Request): SeenCallback {
  return ((req as WithSeen)[SEEN] ??= { kind: 'unreadable', subject: null });
}

/** Once the answer is sent: a row in the installation's activity log with the status code xMatters got. */
function logActivity(deps: XMattersRouteDeps, req: Request, res: Response, installationId: string): void {
  res.once('finish', () => {
    const seen = activityOf(req);
    const refused = res.statusCode >= 400;
    const error = seen.error instanceof Error ? seen.error.message : (seen.error ?? (refused ? `Answered ${res.statusCode}` : null));
    recordCallback(deps.responses.db, {
      installationId,
      kind: seen.kind,
      outcome: refused ? 'refused' : (seen.outcome ?? 'accepted'),
      statusCode: res.statusCode,
      error,
      subject: seen.subject,
    }).catch((err: unknown) => req.log.warn({ err }, 'could not write the activity log'));
  });
}
