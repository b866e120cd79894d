import { STATUS_CODES } from 'node:http';
import type { ErrorRequestHandler, Response } from 'express';

/** A refusal with HipChat's error body; thrown by handlers, written by `errorHandler`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** `{"error":{"code":401,"message":"Invalid OAuth session","type":"Unauthorized"}}` (docs §3). */
export function sendError(res: Response, status: number, message: string): void {
  res.status(status).json({ error: { code: status, message, type: STATUS_CODES[status] ?? 'Error' } });
}

export const INVALID_SESSION = 'Invalid OAuth session';
// No public capture shows HipChat's wording for a refused client_credentials grant; this is the simulator's.
export const INVALID_CLIENT = 'Invalid OAuth client credentials';
// HipChat's message when no credentials were sent at all (KyleGobel/Hipchat-CS#11).
export const AUTH_REQUIRED = 'Authenticated requests only. See https://www.hipchat.com/docs/apiv2/auth for more information.';

export const errorHandler: ErrorRequestHandler = (err: unknown, _req, res, _next) => {
  if (err instanceof ApiError) {
    res.set(err.headers);
    sendError(res, err.status, err.message);
    return;
  }
  const parserError = err as { type?: string; status?: number };
  if (parserError.type === 'entity.parse.failed') {
    sendError(res, 400, 'The request body is not valid JSON');
  } else if (parserError.type === 'entity.too.large') {
    sendError(res, 413, 'The request body is too large');
  } else {
    console.error('hipchat sim: unexpected error', err);
    sendError(res, 500, 'Internal simulator error');
  }
};
