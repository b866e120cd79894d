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

/**
 * What went wrong reading the request, from errors that carry no body-parser `type`: a compressed body
 * zlib cannot inflate (body-parser passes zlib's own error on as a 400), and a path parameter that is not
 * percent-encoded UTF-8 (the router's URIError, marked 400). Anything else with a `status` is not trusted.
 */
function unreadableRequest(err: unknown): AddonError | undefined {
  const e = err as { status?: unknown; expose?: unknown; errno?: unknown; type?: unknown };
  if (e.status !== 400) return undefined;
  if (err instanceof URIError) return new AddonError(400, 'invalid_path', 'The URL path has a broken percent-encoding: each %XX must spell UTF-8.', { cause: err });
  if (e.expose === true && e.type === undefined && typeof e.errno === 'number') {
    return new AddonError(400, 'invalid_encoding', 'The request body could not be decompressed: it is not valid for its Content-Encoding.', { cause: err });
  }
  return undefined;
}

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
  const unreadable = e && unreadableRequest(err);
  if (unreadable) return unreadable;
  const upstream = e && typeof e.name === 'string' ? UPSTREAMS[e.name] : undefined;
  if (upstream && typeof e!.message === 'string') {
    const retryAfterSeconds = typeof e!.retryAfterSeconds === 'number' ? e!.retryAfterSeconds : undefined;
    const status = retryAfterSeconds !== undefined ? 503 : 502;
    const code = `${upstream}_${typeof e!.code === 'string' ? e!.code : 'failed'}`;
    return new AddonError(status, code, e!.message, { cause: err, retryable: e!.retryable !== false, ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}) });
  }
  return new AddonError(500, 'internal', 'Internal error; the request id is in the x-request-id header.', { cause: err });
}
