import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createAddon, type Addon, type AddonOptions } from '../../app';
import { loadConfig } from '../../lib/config';
import { answerClientError } from '../../routes/errors';
import { createLogger } from '../../lib/logger';
import { freshDatabase, type TestDatabase } from './db';

export interface RunningAddon {
  addon: Addon;
  baseUrl: string;
  descriptorUrl: string;
  /** Every log line written so far, as text. */
  logs: string[];
  close(): Promise<void>;
}

/**
 * The add-on on 127.0.0.1 with a fresh database (or `database`, shared with another instance and left
 * for its owner to drop), its logs captured, trusting the given HipChat hosts.
 */
export async function startAddon(opts: { hipchatAllowedHosts: string[]; env?: Record<string, string>; options?: AddonOptions; database?: TestDatabase }): Promise<RunningAddon> {
  const db = opts.database ?? (await freshDatabase());
  const dataDir = mkdtempSync(join(tmpdir(), 'addon-data-'));
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      logs.push(String(chunk));
      cb();
    },
  });
  // Listen first, so that the base URL (and so the descriptor) carries the real port.
  const { createServer } = await import('node:http');
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const config = loadConfig({
    BASE_URL: baseUrl,
    DATABASE_URL: db.url,
    DATA_DIR: dataDir,
    HIPCHAT_ALLOWED_HOSTS: opts.hipchatAllowedHosts.join(','),
    LOG_LEVEL: 'debug',
    // Every test installs and calls from 127.0.0.1; the per-address limits have tests of their own.
    UNAUTHENTICATED_REQUESTS_PER_MINUTE: '100000',
    ...opts.env,
  });
  const addon = await createAddon(config, createLogger('debug', sink), opts.options);
  server.on('request', addon.app);
  server.on('clientError', answerClientError);
  return {
    addon,
    baseUrl,
    descriptorUrl: `${baseUrl}/atlassian-connect.json`,
    logs,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await addon.close();
      if (!opts.database) await db.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
