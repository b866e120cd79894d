import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAddon } from '../../app';
import { loadConfig } from '../../lib/config';
import { InstallationCache } from '../../lib/hipchat/installations';
import { createLogger } from '../../lib/logger';
import { serveParent } from '../ipc';
import { cacheCosts } from './cache-costs';
import { startProfile, stopProfile } from './profiler';

// The add-on as `npm start` runs it: SQLite in a temp folder, the delivery worker on, logs at
// BENCH_LOG_LEVEL (default info, the production default) to stdout, which the bench sends to /dev/null.

export interface AddonInfo {
  baseUrl: string;
  logLevel: string;
}

const env = process.env;
const dataDir = mkdtempSync(join(tmpdir(), 'addon-bench-'));
const server = createServer();
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const config = loadConfig({
  BASE_URL: baseUrl,
  DATABASE_URL: `sqlite:${join(dataDir, 'addon.db')}`,
  DATA_DIR: dataDir,
  HIPCHAT_ALLOWED_HOSTS: env.BENCH_HIPCHAT_HOST ?? '',
  XMATTERS_ALLOWED_HOSTS: env.BENCH_XMATTERS_HOST ?? '',
  LOG_LEVEL: env.BENCH_LOG_LEVEL ?? 'info',
});
const addon = await createAddon(config, createLogger(config.logLevel));
server.on('request', addon.app);

const { installations } = addon;
const info: AddonInfo = { baseUrl, logLevel: config.logLevel };

serveParent(
  info,
  {
    /** 'memory': installations from the in-memory cache (as shipped); 'db': every JWT check re-reads the database. */
    installationSource(arg) {
      if (arg === 'db') installations.get = (oauthId: string) => installations.refresh(oauthId);
      else installations.get = InstallationCache.prototype.get;
      return arg;
    },
    profileStart: () => startProfile(),
    profileStop: (arg) => {
      const { dir, name } = arg as { dir: string; name: string };
      return stopProfile(dir, name);
    },
    cacheCosts: (arg) => cacheCosts(installations, arg as { oauthId: string; token: string; iterations: number }),
  },
  async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await addon.close();
    rmSync(dataDir, { recursive: true, force: true });
  },
);
