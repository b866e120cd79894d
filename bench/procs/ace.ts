import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { serveParent } from '../ipc';

// The reference row: atlassian-connect-express-hipchat 0.3.9, the official HipChat add-on stack of its
// day, on Express 4, doing the same webhook acknowledgement. It is installed into a temporary folder
// outside the repository at bench time (bench/ace-install.ts), never into the project's package.json.
// Its JWT middleware (`addon.authenticate()`) gets each installation's clientInfo from a Map, as
// atlassian-connect-express's memory store would serve it, and the route answers 204 like ours.

interface Express4 {
  (): Express4App;
  json(options: { limit: string }): unknown;
}
interface Express4App {
  use(handler: unknown): void;
  post(path: string, ...handlers: unknown[]): void;
  listen(port: number, host: string, ready: () => void): { address(): unknown; close(done: () => void): void; closeAllConnections(): void };
}
type AceHipChat = (addon: Record<string, unknown>, app: Express4App) => { authenticate(): unknown };

const dir = process.env.BENCH_ACE_DIR;
if (!dir) throw new Error('BENCH_ACE_DIR names the folder atlassian-connect-express-hipchat was installed into');
const load = createRequire(join(dir, 'package.json'));
const express = load('express') as Express4;
const hipchat = load('atlassian-connect-express-hipchat') as AceHipChat;

const clients = new Map<string, { clientKey: string; oauthSecret: string; groupId: number; roomId?: number }>();
const quiet = { info() {}, warn() {}, error() {}, err() {} };
const app = express();
app.use(express.json({ limit: '64kb' }));
const addon = hipchat(
  {
    descriptor: { capabilities: { hipchatApiConsumer: { scopes: ['send_notification'] } } },
    settings: {
      get: (key: string, clientKey: string) => Promise.resolve(key === 'clientInfo' ? (clients.get(clientKey) ?? null) : null),
      set: (_key: string, value: unknown) => Promise.resolve(value),
    },
    // atlassian-connect-express's default maxTokenAge: 15 minutes.
    config: { maxTokenAge: () => 15 * 60_000, name: 'bench', key: 'bench', localBaseUrl: () => 'http://127.0.0.1' },
    logger: quiet,
    app,
  },
  app,
);
app.post('/webhooks/:event', addon.authenticate(), (_req: unknown, res: { sendStatus(status: number): void }) => res.sendStatus(204));

const server = app.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  serveParent(
    { baseUrl: `http://127.0.0.1:${port}` },
    {
      /** The installations it knows, as its install handler would have stored them. */
      clients(arg) {
        for (const c of arg as Array<{ oauthId: string; oauthSecret: string }>) clients.set(c.oauthId, { clientKey: c.oauthId, oauthSecret: c.oauthSecret, groupId: 1 });
        return clients.size;
      },
    },
    async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  );
});
