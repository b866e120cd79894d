import { AxiosError } from 'axios';
import { parseRetryAfter } from '../retry-after';

export type HipChatErrorCode =
  | 'bad_request'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'rate_limited'
  | 'server_error'
  | 'network'
  /** The token endpoint refused a grant (400/401/403): an outage unless it keeps saying the client is gone. */
  | 'refused'
  /** The installation is not active (revoked, awaiting its purge or its return). */
  | 'inactive';

/** A failed HipChat REST call, typed so that the delivery queue can tell retry from give-up. */
export class HipChatApiError extends Error {
  constructor(
    message: string,
    readonly code: HipChatErrorCode,
    readonly status: number | undefined,
    /** Seconds to wait before trying again, from Retry-After or X-Ratelimit-Reset/X-FloodControl-Reset. */
    readonly retryAfterSeconds: number | undefined,
  ) {
    super(message);
    this.name = 'HipChatApiError';
  }

  get retryable(): boolean {
    return this.code === 'rate_limited' || this.code === 'server_error' || this.code === 'network' || this.code === 'refused' || this.code === 'inactive';
  }
}

/**
 * Seconds until a retry is allowed, from Retry-After (seconds or date), or for a 429 from the reset
 * header of the limit that was hit (HipChat sends the rate-limit headers on every answer, so they say
 * nothing about a 5xx).
 */
export function retryAfterFrom(status: number, headers: Record<string, unknown>, now = Date.now()): number | undefined {
  const retryAfter = parseRetryAfter(headers['retry-after'], now);
  if (retryAfter !== undefined) return retryAfter;
  if (status !== 429) return undefined;
  const floodExhausted = headers['x-floodcontrol-remaining'] !== undefined && Number(headers['x-floodcontrol-remaining']) <= 0;
  for (const name of floodExhausted ? ['x-floodcontrol-reset', 'x-ratelimit-reset'] : ['x-ratelimit-reset', 'x-floodcontrol-reset']) {
    const reset = Number(headers[name]);
    if (Number.isFinite(reset) && reset > 0) return Math.max(0, Math.ceil(reset - now / 1000));
  }
  return undefined;
}

/** The message HipChat put in its error body, `{"error":{"message":…}}`, if any. */
function hipchatMessage(data: unknown): string | undefined {
  const message = (data as { error?: { message?: unknown } } | undefined)?.error?.message;
  return typeof message === 'string' ? message.slice(0, 300) : undefined;
}

export function toHipChatError(err: unknown, what: string): HipChatApiError {
  if (err instanceof HipChatApiError) return err;
  if (err instanceof AxiosError && err.response) {
    const { status, headers, data } = err.response;
    const detail = hipchatMessage(data) ?? err.response.statusText ?? '';
    const message = `HipChat answered ${status} to ${what}${detail ? `: ${detail}` : ''}`;
    const code: HipChatErrorCode =
      status === 429 ? 'rate_limited'
      : status >= 500 ? 'server_error'
      : status === 401 ? 'unauthorized'
      : status === 403 ? 'forbidden'
      : status === 404 ? 'not_found'
      : 'bad_request';
    return new HipChatApiError(message, code, status, retryAfterFrom(status, headers as Record<string, unknown>));
  }
  const reason = err instanceof AxiosError ? (err.code ?? err.message) : String(err);
  return new HipChatApiError(`Could not reach HipChat for ${what} (${reason})`, 'network', undefined, undefined);
}
