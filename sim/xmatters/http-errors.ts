import { STATUS_CODES } from 'node:http';
import type { Response } from 'express';

/** xMatters' JSON error body: `{code, reason, message}` (docs/xmatters.md §1.6). */
export function sendError(res: Response, status: number, message: string): void {
  res.status(status).type('application/json').send(JSON.stringify({ code: status, reason: STATUS_CODES[status] ?? 'Error', message }));
}

/** What a web server that is not the xMatters API answers for an unknown path. */
export function sendHtmlNotFound(res: Response): void {
  res
    .status(404)
    .type('html')
    .send('<!doctype html><html><head><title>404 Not Found</title></head><body><h1>Not Found</h1><p>The requested page was not found.</p></body></html>');
}
