import type { ErrorRequestHandler, Request } from 'express';
import { html } from './html';

/** A refusal by the web UI: an HTML page for page requests, `{error:{message}}` for its JSON endpoints. */
export class UiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function wantsJson(req: Request): boolean {
  return req.path.startsWith('/chat/api/') || req.is('application/json') === 'application/json' || (req.headers.accept ?? '').startsWith('application/json');
}

export const uiErrorHandler: ErrorRequestHandler = (err: unknown, req, res, _next) => {
  const known = err instanceof UiError;
  const parserStatus = (err as { status?: unknown }).status;
  const status = known ? err.status : typeof parserStatus === 'number' && parserStatus >= 400 && parserStatus < 500 ? parserStatus : 500;
  const message = known ? err.message : status < 500 ? 'The request could not be read' : 'The simulator failed; see its console';
  if (status >= 500) console.error('hipchat sim ui: unexpected error', err);
  if (res.headersSent) return;
  if (wantsJson(req)) {
    res.status(status).json({ error: { code: status, message } });
    return;
  }
  res
    .status(status)
    .type('html')
    .send(
      html`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${message} · HipChat (simulator)</title><link rel="stylesheet" href="/chat/static/chat.css"></head>
<body class="error-page"><main class="locked"><h1>${status === 404 ? 'Not found' : status === 403 ? 'Not allowed' : 'Something went wrong'}</h1><p>${message}</p><p><a class="button button-subtle" href="/chat">Back to the lobby</a></p></main></body></html>`.value,
    );
};
