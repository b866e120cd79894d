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
  /** The request may have reached xMatters and been acted on (a timeout, a reset, a 5xx): sending it again may repeat it. */
  outcomeUnknown?: boolean;
}

/** A failed call to xMatters, worded for an admin. Never carries credentials or the request config. */
export class XMattersError extends Error {
  override readonly name = 'XMattersError';
  readonly status: number | undefined;
  readonly retryable: boolean;
  readonly retryAfterSeconds: number | undefined;
  readonly outcomeUnknown: boolean;

  constructor(
    readonly code: XMattersErrorCode,
    message: string,
    init: XMattersErrorInit = {},
  ) {
    super(message);
    this.status = init.status;
    this.retryable = init.retryable ?? false;
    this.retryAfterSeconds = init.retryAfterSeconds;
    this.outcomeUnknown = init.outcomeUnknown ?? false;
  }
}
