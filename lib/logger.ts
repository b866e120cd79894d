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
 */
export function redactUrl(url: string): string {
  return rewriteQueryValues(url, (p) => (SECRET_PARAMS.has(p.name.replace(/\[.*$/, '').trim().toLowerCase()) || JWT_LIKE.test(p.value) ? '[Redacted]' : undefined));
}

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino({ level, redact: { paths: REDACT_PATHS, censor: '[Redacted]' } }, destination);
}
