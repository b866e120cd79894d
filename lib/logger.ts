import pino, { type DestinationStream, type Logger } from 'pino';
import { rewriteQueryValues } from './query-params';

export type { Logger };

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
