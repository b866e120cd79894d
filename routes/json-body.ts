import type { NextFunction, Request, RequestHandler } from 'express';
import { AddonError } from '../lib/errors';

const JSON_TYPE = /^application\/json\s*(?:;|$)/i;
const OBJECT_OR_ARRAY = /^[\x20\t\n\r]*[{[]/;
const CHARSET = /;\s*charset\s*=\s*"?([^";\s]+)/i;

const refuse = (status: number, code: string, message: string) => new AddonError(status, code, message, { retryable: false });

/**
 * Reads a JSON body of at most `limit` bytes into `req.body`, with the refusals express.json gives
 * (the same codes and messages, lib/errors.ts) but none of its general machinery (content-type
 * negotiation, decoding streams, compressed bodies): a webhook is UTF-8 JSON, and it is read on the hot
 * path. Use it after the request is authenticated: nothing is read before.
 */
export function jsonBody(limit: number): RequestHandler {
  return (req, _res, next) => {
    const type = req.headers['content-type'];
    if (!type || !JSON_TYPE.test(type)) return next(refuse(415, 'unsupported_media_type', 'Send the body as application/json.'));
    const charset = CHARSET.exec(type)?.[1]?.toLowerCase();
    if (charset && charset !== 'utf-8' && charset !== 'utf8') return next(refuse(415, 'unsupported_charset', 'The request body uses a character set the add-on does not read; send UTF-8.'));
    const encoding = req.headers['content-encoding'];
    if (encoding && encoding.toLowerCase() !== 'identity') return next(refuse(415, 'unsupported_encoding', 'The request body uses a content encoding the add-on does not read.'));
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (declared > limit) return next(tooLarge(req));

    (req as Reading)[READING] = { chunks: [], size: 0, declared, limit, next };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('aborted', onAborted);
    req.on('error', onAborted);
  };
}

// The listeners are shared by every request (no function is made per request on this hot path); each
// finds its request's reading state on the request.
const READING = Symbol('json body reading');
type Reading = Request & { [READING]?: { chunks: Buffer[]; size: number; declared: number; limit: number; next: NextFunction } };

function done(req: Reading, err?: AddonError): void {
  const state = req[READING]!;
  req[READING] = undefined;
  req.off('data', onData);
  req.off('end', onEnd);
  req.off('aborted', onAborted);
  req.off('error', onAborted);
  state.next(err);
}

function onData(this: Reading, chunk: Buffer): void {
  const state = this[READING]!;
  state.size += chunk.length;
  if (state.size > state.limit) return done(this, tooLarge(this));
  state.chunks.push(chunk);
}

function onEnd(this: Reading): void {
  const { chunks, size, declared } = this[READING]!;
  if (!Number.isNaN(declared) && declared !== size) return done(this, refuse(400, 'invalid_body', 'The request body is shorter or longer than its Content-Length.'));
  const text = chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks, size).toString('utf8');
  // As express.json's strict mode: an object or an array, nothing else.
  if (!OBJECT_OR_ARRAY.test(text)) return done(this, refuse(400, 'invalid_json', 'The request body is not valid JSON.'));
  try {
    this.body = JSON.parse(text);
  } catch {
    return done(this, refuse(400, 'invalid_json', 'The request body is not valid JSON.'));
  }
  done(this);
}

function onAborted(this: Reading): void {
  done(this, refuse(400, 'aborted', 'The request was aborted before its body arrived.'));
}

/** The rest of the body is not read: the connection is closed after the answer. */
function tooLarge(req: Request): AddonError {
  req.pause();
  return new AddonError(413, 'too_large', 'The request body is too large.', { retryable: false, headers: { Connection: 'close' } });
}
