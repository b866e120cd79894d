import express from 'express';
import type { AddressInfo } from 'node:net';
import { serveParent } from '../ipc';

// The baseline: a bare Express 5 app that parses the same JSON webhook and answers 204.

export interface BareInfo {
  baseUrl: string;
}

const app = express();
app.disable('x-powered-by');
app.post('/webhooks/:event', express.json({ limit: '64kb' }), (_req, res) => {
  res.status(204).end();
});

const server = app.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  const info: BareInfo = { baseUrl: `http://127.0.0.1:${port}` };
  serveParent(info, {}, async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
});
