import pino, { type DestinationStream, type Logger } from 'pino';

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
  const start = url.indexOf('?');
  if (start < 0) return url;
  const hash = url.indexOf('#', start);
  const end = hash < 0 ? url.length : hash;
  const params = url
    .slice(start + 1, end)
    .split('&')
    .map((param) => {
      const eq = param.indexOf('=');
      if (eq < 0) return param;
      const name = decodeLoosely(param.slice(0, eq)).replace(/\[.*$/, '').trim().toLowerCase();
      const value = decodeLoosely(param.slice(eq + 1));
      return SECRET_PARAMS.has(name) || JWT_LIKE.test(value) ? `${param.slice(0, eq)}=[Redacted]` : param;
    });
  return `${url.slice(0, start + 1)}${params.join('&')}${url.slice(end)}`;
}

function decodeLoosely(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return value;
  }
}

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino({ level, redact: { paths: REDACT_PATHS, censor: '[Redacted]' } }, destination);
}
