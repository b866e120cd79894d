import { randomBytes } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import type { ServerResponse } from 'node:http';
import pino, { type DestinationStream, type Level, type Logger } from 'pino';
import { rewriteQueryValues } from './query-params';

export type { Logger };

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** The request id: the caller's x-request-id, else a new one; sent back as x-request-id. */
      id: string;
      /** A logger whose lines carry the request id. */
      log: Logger;
    }
  }
}

/** Paths that may hold a secret anywhere in a log line; pino replaces their values. */
export const REDACT_PATHS = [
  'oauthSecret',
  '*.oauthSecret',
  'password',
  '*.password',
  '*.*.password',
  'secret',
  '*.secret',
  'token',
  '*.token',
  'access_token',
  '*.access_token',
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
];

/** Query parameters whose values are credentials, by their decoded name (without any `[...]` suffix). */
const SECRET_PARAMS = new Set(['signed_request', 'auth_token', 'jwt', 'apikey', 'token', 'access_token', 'password']);
/** A value that looks like a JWT is redacted whatever its parameter is called. */
const JWT_LIKE = /^eyJ[\w-]*\.[\w-]*\.?[\w-]*$/;

/**
 * Strips the values of credential-bearing query parameters from a URL before it is logged. Names are
 * compared decoded, so `?%73igned_request=` and `?signed_request[]=` are redacted like `?signed_request=`.
 * An alert intake URL (`/alerts/{sourceId}/{secret}`) keeps only its source id.
 */
export function redactUrl(url: string): string {
  return rewriteQueryValues(redactAlertPath(url), (p) => (SECRET_PARAMS.has(p.name.replace(/\[.*$/, '').trim().toLowerCase()) || JWT_LIKE.test(p.value) ? '[Redacted]' : undefined));
}

const URL_IN_TEXT = /(?:\bhttps?:\/\/[^\s"'<>]+|\/[\w./-]*\?[^\s"'<>]+)/gi;
/**
 * An authorization scheme and its credentials, as they appear in a header copied into a message. The
 * credentials hold a digit or a symbol, as encoded ones do: "Basic authentication" is a phrase, not one.
 */
const AUTH_IN_TEXT = /\b(Basic|Bearer|JWT)\s+(?:token=)?(?=[A-Za-z]*[0-9+/=._~-])[A-Za-z0-9+/=._~-]{8,}/g;
const JWT_IN_TEXT = /\beyJ[\w-]{4,}\.[\w-]*\.?[\w-]*/g;
const USERINFO = /(\b[a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/gi;

/**
 * Strips credentials from free text shown to people (an error message of a delivery): every URL in it
 * as `redactUrl` does, user:password@ in URLs, authorization header values and JWT-looking strings.
 */
export function redactText(text: string): string {
  return text
    .replace(USERINFO, '$1[Redacted]@')
    .replace(URL_IN_TEXT, (url) => redactUrl(url))
    .replace(AUTH_IN_TEXT, '$1 [Redacted]')
    .replace(JWT_IN_TEXT, '[Redacted]');
}

/** Anything after the source id of an alert intake path may be its secret, however it is spelled. */
function redactAlertPath(url: string): string {
  const match = /^\/alerts\/([^?#]*)/i.exec(url);
  if (!match) return url;
  const rest = match[1]!;
  const id = /^[0-9a-f-]{36}/i.exec(rest)?.[0] ?? '';
  const tail = rest.slice(id.length);
  return `${url.slice(0, '/alerts/'.length)}${id}${tail === '' || tail === '/' ? tail : '/[Redacted]'}${url.slice(match[0].length)}`;
}

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino({ level, redact: { paths: REDACT_PATHS, censor: '[Redacted]' } }, destination);
}

export interface RequestLogOptions {
  /** Paths whose successful requests are logged at debug level: the steady stream of webhooks and probes. */
  quietPaths: RegExp;
  /** Runs once per request when its response is done (or the connection closed first). */
  onDone?(req: Request, res: ServerResponse): void;
}

const STARTED = Symbol('request started');
/** Request ids: this process's random prefix and a counter (unique across instances, and cheaper than a UUID each). */
const ID_PREFIX = randomBytes(6).toString('base64url');
let lastId = 0;
const CHILD = Symbol('request logger');
type LoggedRequest = Request & { [STARTED]?: number; [CHILD]?: Logger };

/**
 * Request ids and one log line per request, when its response is done: failures at warn or error, the
 * rest at info (quiet paths at debug). `req.log` is a getter on the app's request prototype, so the
 * child logger is only made when something logs; nothing is serialized for a line whose level is off,
 * and no function is made per request: most webhooks are acknowledged without any logging work.
 */
export function requestLogger(app: { request: object }, log: Logger, options: RequestLogOptions): RequestHandler {
  Object.defineProperty(app.request, 'log', {
    configurable: true,
    get(this: LoggedRequest) {
      return (this[CHILD] ??= log.child({ reqId: this.id }));
    },
  });
  function onClose(this: ServerResponse & { req: LoggedRequest }) {
    const req = this.req;
    options.onDone?.(req, this);
    const finished = this.writableFinished;
    // A client that goes away before its answer is a warning, not an add-on failure.
    const level: Level =
      this.statusCode >= 500 ? 'error'
      : !finished || this.statusCode >= 400 ? 'warn'
      : options.quietPaths.test(req.originalUrl) ? 'debug'
      : 'info';
    if (!log.isLevelEnabled(level)) return;
    req.log[level](
      {
        req: { id: req.id, method: req.method, url: redactUrl(req.originalUrl) },
        res: { statusCode: this.statusCode },
        responseTime: Math.round(performance.now() - (req[STARTED] ?? 0)),
      },
      finished ? 'request completed' : 'request aborted before the answer was sent',
    );
  }
  return (req: LoggedRequest, res, next) => {
    req[STARTED] = performance.now();
    const given = req.headers['x-request-id'];
    req.id = (typeof given === 'string' && given.slice(0, 100)) || `${ID_PREFIX}-${(++lastId).toString(36)}`;
    res.setHeader('x-request-id', req.id);
    res.on('close', onClose);
    next();
  };
}
