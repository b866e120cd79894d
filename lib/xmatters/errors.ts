export type XMattersErrorCode =
  | 'bad_credentials'
  | 'forbidden'
  | 'not_found'
  | 'not_xmatters'
  | 'invalid_request'
  | 'invalid_invite_url'
  | 'dns'
  | 'connect'
  | 'tls'
  | 'timeout'
  | 'rate_limited'
  | 'private_address'
  | 'insecure_scheme'
  | 'server_error'
  | 'unexpected';

export interface XMattersErrorInit {
  status?: number;
  retryable?: boolean;
  retryAfterSeconds?: number;
}

/** A failed call to xMatters, worded for an admin. Never carries credentials or the request config. */
export class XMattersError extends Error {
  override readonly name = 'XMattersError';
  readonly status: number | undefined;
  readonly retryable: boolean;
  readonly retryAfterSeconds: number | undefined;

  constructor(
    readonly code: XMattersErrorCode,
    message: string,
    init: XMattersErrorInit = {},
  ) {
    super(message);
    this.status = init.status;
    this.retryable = init.retryable ?? false;
    this.retryAfterSeconds = init.retryAfterSeconds;
  }
}

/** Retry-After is either delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: unknown, now = Date.now()): number | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - now) / 1000));
}
