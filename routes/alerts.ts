import express, { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { MAX_ALERT_BODY, readBody } from '../lib/alerts/body';
import { evaluateAlerts, type EvaluatedAlert } from '../lib/alerts/evaluate';
import { acceptAlerts, type AcceptedAlert, type IntakeDeps } from '../lib/alerts/intake';
import { presentedSecret, secretMatches } from '../lib/alerts/secrets';
import type { IntakeSource, SourceCache } from '../lib/alerts/source-cache';
import { AddonError, toAddonError } from '../lib/errors';
import type { InstallationCache } from '../lib/hipchat/installations';
import { alertSourceRoutes, type AlertSourceRouteDeps } from './alert-sources';

export interface AlertRouteDeps extends AlertSourceRouteDeps {
  sources: SourceCache;
  installations: InstallationCache;
  intake: IntakeDeps;
  /** Runs for refused secrets and unknown sources: answers 429 instead when one address sends too many. */
  failedAuth: RequestHandler;
  /** Link to a room in the chat client, handed to Soda Cloud for a new incident. */
  roomLink(installationId: string, roomId: number): Promise<string | null>;
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Locals {
      alertSource?: IntakeSource;
    }
  }
}

/**
 * The alert intake, `POST /alerts/{sourceId}` with the secret in a header or `POST /alerts/{sourceId}/{secret}`,
 * and the configure tab's alert-source endpoints. The secret is checked (from memory) before the body is
 * read; the sender is answered once the alerts are stored, before anything is posted.
 */
export function alertRoutes(deps: AlertRouteDeps): Router {
  const router = Router();
  const raw = express.raw({ type: () => true, limit: MAX_ALERT_BODY });

  const authenticate = async (req: Request, res: Response, next: NextFunction) => {
    const sourceId = String(req.params.sourceId);
    const source = await deps.sources.get(sourceId);
    const active = source && (await deps.installations.get(source.installationId));
    if (!source || !active) {
      req.log.info('alert refused: unknown source');
      return deps.failedAuth(req, res, (limited?: unknown) =>
        next(limited ?? new AddonError(404, 'unknown_source', 'No alert source has this URL. Copy the intake URL again from the add-on’s configure tab.', { retryable: false })),
      );
    }
    const secret = presentedSecret(req.params.secret as string | undefined, req.headers.authorization);
    if (secret === undefined || !secretMatches(secret, source.digest)) {
      req.log.warn({ sourceId: source.id, secretSent: secret !== undefined }, 'alert refused: wrong or missing secret');
      return deps.failedAuth(req, res, (limited?: unknown) => next(limited ?? unauthorized()));
    }
    res.locals.alertSource = source;
    next();
  };

  const readRaw: RequestHandler = (req, res, next) =>
    raw(req, res, (err?: unknown) => {
      if (!err) return next();
      const error = toAddonError(err);
      if (error.code === 'too_large') return next(new AddonError(413, 'too_large', `The alert is larger than ${MAX_ALERT_BODY / 1024} kB; nothing was stored.`, { retryable: false }));
      // A body that does not inflate (Content-Encoding: gzip, but not gzip) is the sender's fault.
      if (error.code === 'internal' && typeof (err as { errno?: unknown }).errno === 'number') {
        return next(new AddonError(400, 'invalid_body', 'The body could not be decompressed: it does not match its Content-Encoding.', { retryable: false }));
      }
      next(error);
    });

  const accept = async (req: Request, res: Response) => {
    const source = res.locals.alertSource!;
    const body = readBody(Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0), req.headers['content-type']);
    const evaluated = evaluateAlerts(source, body);
    const accepted = await acceptAlerts(deps.intake, source, evaluated, { test: false });
    req.log.debug({ sourceId: source.id, oauthId: source.installationId, alerts: accepted.length, repeats: accepted.filter((a) => a.occurrences > 1).length, invites: accepted.filter((a) => a.invited).length }, 'alerts accepted');
    res.set('Cache-Control', 'no-store').status(200).json({
      accepted: accepted.length,
      alerts: accepted.map((a) => ({ id: a.id, roomId: a.roomId, occurrences: a.occurrences })),
      ...(await sodaIncidentLink(deps, source, evaluated, accepted)),
    });
  };

  const wrongMethod = () => {
    throw new AddonError(405, 'method_not_allowed', 'Alerts are sent with POST.', { headers: { Allow: 'POST' } });
  };

  for (const path of ['/alerts/:sourceId', '/alerts/:sourceId/:secret']) {
    router.post(path, authenticate, readRaw, accept);
    router.all(path, wrongMethod);
  }
  router.use(alertSourceRoutes(deps));
  return router;
}

function unauthorized(): AddonError {
  return new AddonError(401, 'unauthorized', 'Wrong or missing alert source secret: send it as "Authorization: Bearer <secret>", as the password of Basic authentication, or at the end of the intake URL.', {
    retryable: false,
    headers: { 'WWW-Authenticate': 'Bearer realm="alerts"' },
  });
}

/**
 * Soda Cloud adds a link given in the answer to a new incident ([SODA-V3] "incidentCreated", docs/alerts.md
 * §3.4): the room the incident's alert went to.
 */
async function sodaIncidentLink(deps: AlertRouteDeps, source: IntakeSource, evaluated: EvaluatedAlert[], accepted: AcceptedAlert[]) {
  if (source.kind !== 'soda' || (evaluated[0]?.payload as { event?: unknown } | undefined)?.event !== 'incidentCreated' || !accepted[0]) return {};
  const url = await deps.roomLink(source.installationId, accepted[0].roomId);
  const room = source.settings.rooms.find((r) => r.id === accepted[0]!.roomId);
  return url ? { link: { url, text: `HipChat room ${room?.name ?? accepted[0].roomId}` } } : {};
}
