import express, { Router, type Request, type Response } from 'express';
import type { Logger } from '../lib/logger';
import { applyCallback, UnknownInvite, type ResponseDeps } from '../lib/invites/responses';
import { passwordMatches } from '../lib/security/callback-credentials';
import { findCallbackCredentials } from '../lib/store/settings';
import { CallbackPayloadError, parseCallback } from '../lib/xmatters/callbacks';

/** Basic credentials from the Authorization header, or undefined. */
function basicCredentials(req: Request): { username: string; password: string } | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(req.headers.authorization ?? '');
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function refuse(res: Response, status: number, code: string, message: string): void {
  if (status === 401) res.set('WWW-Authenticate', 'Basic realm="xMatters callbacks"');
  res.status(status).json({ error: { code, message } });
}

/**
 * Responses, delivery updates and event status from xMatters, authenticated with the installation's
 * callback credentials (per-event callbacks and outbound integrations post the same JSON).
 */
export function xmattersRoutes(deps: { responses: ResponseDeps }): Router {
  const router = Router();
  router.post('/xmatters/callbacks', async (req, res, next) => {
    const credentials = basicCredentials(req);
    const known = credentials && (await findCallbackCredentials(deps.responses.db, credentials.username));
    if (!credentials || !known || !passwordMatches(credentials.password, known.passwordHash)) {
      req.log.warn({ username: credentials?.username?.slice(0, 100) }, 'xMatters callback refused: wrong credentials');
      return refuse(res, 401, 'unauthorized', 'Wrong or missing callback credentials: use the username and password from the configure tab');
    }
    (req as Request & { installationId?: string }).installationId = known.installationId;
    next();
  }, express.json({ limit: '64kb' }), async (req, res) => {
    const installationId = (req as Request & { installationId?: string }).installationId!;
    const log = (req.log as Logger).child({ oauthId: installationId });
    let callback;
    try {
      callback = parseCallback(req.body);
    } catch (err) {
      if (!(err instanceof CallbackPayloadError)) throw err;
      log.warn({ reason: err.message }, 'xMatters callback refused: malformed');
      return refuse(res, 400, 'invalid_callback', err.message);
    }
    try {
      const fresh = await applyCallback(deps.responses, installationId, callback);
      log.info({ kind: callback.kind, eventIdentifier: callback.eventIdentifier, duplicate: !fresh }, 'xMatters callback');
      res.status(200).json({ status: fresh ? 'accepted' : 'duplicate' });
    } catch (err) {
      if (!(err instanceof UnknownInvite)) throw err;
      log.warn({ reason: err.message, eventIdentifier: callback.eventIdentifier }, 'xMatters callback refused: unknown invite');
      return refuse(res, 400, 'unknown_invite', err.message);
    }
  });
  return router;
}
