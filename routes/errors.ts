import type { ErrorRequestHandler, RequestHandler } from 'express';
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
