import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { AddonError, toAddonError } from '../lib/errors';

/**
 * The one way the add-on answers an error: `{error:{code, message, field?}}` with the AddonError's
 * status and headers (HTML for the pages HipChat frames), logged once.
 */
export const errorHandler: ErrorRequestHandler = (err, req, res, _next) => {
  const error = toAddonError(err);
  if (error.status >= 500) req.log.error({ err, code: error.code }, 'request failed');
  else req.log.info({ code: error.code, status: error.status, ...(error.field ? { field: error.field } : {}) }, 'request refused');
  if (res.headersSent) return;
  res.status(error.status).set(error.headers).set('Cache-Control', 'no-store');
  if (error.retryAfterSeconds !== undefined) res.set('Retry-After', String(error.retryAfterSeconds));
  if (res.locals.page === true) {
    res.render('error', { title: error.status >= 500 ? 'Something went wrong' : 'This page cannot be shown', message: error.message });
    return;
  }
  res.json({ error: { code: error.code, message: error.message, ...(error.field ? { field: error.field } : {}) } });
};

/** The answer for a path nothing serves. */
export const notFound: RequestHandler = (_req, _res, next) => {
  next(new AddonError(404, 'not_found', 'No such page or endpoint.'));
};

/** Marks a route as a page: its errors are rendered as HTML inside HipChat's frame. */
export const page: RequestHandler = (_req, res, next) => {
  res.locals.page = true;
  next();
};

/** Node's own refusals of a request it could not parse (before express sees it), by the parser's error code. */
const CLIENT_ERRORS: Record<string, [number, string, string, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'Request Header Fields Too Large', 'headers_too_large', 'The request headers are larger than this server accepts.'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout', 'request_timeout', 'The request did not arrive in time.'],
};
const BAD_HTTP: [number, string, string, string] = [400, 'Bad Request', 'bad_request', 'The request is not valid HTTP/1.1: check its request line, headers and framing.'];

/**
 * The HTTP server's `clientError` listener: the same `{error:{code, message}}` answer as every other
 * refusal, where Node would write a bare status line. A socket already answering is only closed.
 */
export function answerClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (!socket.writable || (socket as Socket).bytesWritten > 0) {
    socket.destroy();
    return;
  }
  const [status, reason, code, message] = (err.code && CLIENT_ERRORS[err.code]) || BAD_HTTP;
  const body = JSON.stringify({ error: { code, message } });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n${body}`,
  );
}
