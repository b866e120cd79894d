/**
 * The add-on's one error type: what it answers and why. Only an AddonError decides the status and the
 * text of an answer; an error from HipChat, xMatters or a library is turned into one by `toAddonError`,
 * so their statuses never leak into the add-on's own answers.
 */
export interface AddonErrorOptions {
  /** The form field the message belongs next to. */
  field?: string;
  /** Whether trying the same thing again later can succeed. */
  retryable?: boolean;
  /** Seconds to wait before trying again (sent as Retry-After). */
  retryAfterSeconds?: number;
  /** Headers the answer must carry, e.g. WWW-Authenticate on a 401. */
  headers?: Record<string, string>;
  cause?: unknown;
}

export class AddonError extends Error {
  override readonly name: string = 'AddonError';
  readonly field: string | undefined;
  readonly retryable: boolean;
  readonly retryAfterSeconds: number | undefined;
  readonly headers: Record<string, string>;

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    options: AddonErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.field = options.field;
    this.retryable = options.retryable ?? (status === 429 || status >= 500);
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.headers = options.headers ?? {};
  }
}

/** body-parser's error types (its `type` field), and what each means for the sender. */
const BODY_ERRORS: Record<string, [number, string, string]> = {
  'entity.parse.failed': [400, 'invalid_json', 'The request body is not valid JSON.'],
  'entity.too.large': [413, 'too_large', 'The request body is too large.'],
  'entity.verify.failed': [400, 'invalid_body', 'The request body could not be read.'],
  'encoding.unsupported': [415, 'unsupported_encoding', 'The request body uses a content encoding the add-on does not read.'],
  'charset.unsupported': [415, 'unsupported_charset', 'The request body uses a character set the add-on does not read; send UTF-8.'],
  'request.aborted': [400, 'aborted', 'The request was aborted before its body arrived.'],
  'request.size.invalid': [400, 'invalid_body', 'The request body is shorter or longer than its Content-Length.'],
  'parameters.too.many': [413, 'too_large', 'The request has too many parameters.'],
};

/** Upstream errors that explain themselves to an admin: named by class, so no import cycle is needed. */
const UPSTREAMS: Record<string, string> = { HipChatApiError: 'hipchat', XMattersError: 'xmatters' };

/**
 * Any thrown value → the AddonError to answer with. An upstream failure becomes a 502 (or 503 while it
 * asks to wait) with its own sentence, never the upstream's status; anything unknown is a 500 without
 * details.
 */
export function toAddonError(err: unknown): AddonError {
  if (err instanceof AddonError) return err;
  const e = err as { type?: unknown; name?: unknown; message?: unknown; code?: unknown; retryAfterSeconds?: unknown; retryable?: unknown } | null;
  if (e && typeof e.type === 'string' && BODY_ERRORS[e.type]) {
    const [status, code, message] = BODY_ERRORS[e.type]!;
    return new AddonError(status, code, message, { cause: err });
  }
  const upstream = e && typeof e.name === 'string' ? UPSTREAMS[e.name] : undefined;
  if (upstream && typeof e!.message === 'string') {
    const retryAfterSeconds = typeof e!.retryAfterSeconds === 'number' ? e!.retryAfterSeconds : undefined;
    const status = retryAfterSeconds !== undefined ? 503 : 502;
    const code = `${upstream}_${typeof e!.code === 'string' ? e!.code : 'failed'}`;
    return new AddonError(status, code, e!.message, { cause: err, retryable: e!.retryable !== false, ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}) });
  }
  return new AddonError(500, 'internal', 'Internal error; the request id is in the x-request-id header.', { cause: err });
}
