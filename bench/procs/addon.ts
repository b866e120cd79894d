import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAddon } from '../../app';
import { HIPCHAT_LIMITS } from '../../lib/hipchat/budget';
import type { HipChatLimits } from '../../lib/store/hipchat-calls';
import { loadConfig } from '../../lib/config';
import { JOB_KINDS } from '../../lib/invites/service';
import { createLogger } from '../../lib/logger';
import { createSealer, resolveSecretsKey } from '../../lib/security/seal';
import { saveInstallation } from '../../lib/store/installations';
import { enqueueJobs, type NewJob } from '../../lib/store/jobs';
import { serveParent } from '../ipc';
import { startProfile, stopProfile } from './profiler';

// The add-on as `npm start` runs it (tsx): SQLite in a temp folder (or BENCH_DATABASE_URL), the delivery
// worker on, logs at BENCH_LOG_LEVEL (default info, the production default) to stdout, which the bench
// sends to /dev/null. BENCH_ADDON_LIMITS changes the HipChat limits the add-on keeps: `off`, or
// `flood:<ms>` for flood control's 30 notices per room in a window of <ms> (the delivery-queue bench).

function benchLimits(spec: string | undefined): HipChatLimits | undefined {
  if (!spec) return undefined;
  if (spec === 'off') return { perInstallation: { max: 1_000_000_000, windowMs: 1000 }, perRoomNotifications: { max: 1_000_000_000, windowMs: 1000 } };
  const flood = /^flood:(\d+)$/.exec(spec);
  if (flood) return { ...HIPCHAT_LIMITS, perRoomNotifications: { max: HIPCHAT_LIMITS.perRoomNotifications.max, windowMs: Number(flood[1]) } };
  throw new Error(`BENCH_ADDON_LIMITS must be off or flood:<ms>, not ${spec}`);
}

export interface AddonInfo {
  baseUrl: string;
  logLevel: string;
}

export interface Seeded {
  oauthId: string;
  oauthSecret: string;
}

const env = process.env;
const dataDir = mkdtempSync(join(tmpdir(), 'addon-bench-'));
// Removed however the process ends: closed by the bench, or a setting or migration that failed.
process.once('exit', () => rmSync(dataDir, { recursive: true, force: true }));
const server = createServer();
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const config = loadConfig({
  BASE_URL: baseUrl,
  DATABASE_URL: env.BENCH_DATABASE_URL ?? `sqlite:${join(dataDir, 'addon.db')}`,
  DATA_DIR: dataDir,
  HIPCHAT_ALLOWED_HOSTS: env.BENCH_HIPCHAT_HOST ?? '',
  XMATTERS_ALLOWED_HOSTS: env.BENCH_XMATTERS_HOST ?? '',
  LOG_LEVEL: env.BENCH_LOG_LEVEL ?? 'info',
  // Every install and every refused token of the bench comes from 127.0.0.1.
  UNAUTHENTICATED_REQUESTS_PER_MINUTE: '100000',
});
const addon = await createAddon(config, createLogger(config.logLevel), { hipchatLimits: benchLimits(env.BENCH_ADDON_LIMITS) });
server.on('request', addon.app);
const sealer = createSealer(resolveSecretsKey(config.secretsKey, config.dataDir));
const seeded: Seeded[] = [];

serveParent(
  { baseUrl, logLevel: config.logLevel } satisfies AddonInfo,
  {
    /**
     * Global installations written to the database as the install handler writes them (sealed secret,
     * the HipChat simulator's URLs), without asking HipChat: thousands of real installs would take minutes.
     */
    async seedInstallations(arg) {
      const { count, hipchatBaseUrl } = arg as { count: number; hipchatBaseUrl: string };
      const made: Seeded[] = Array.from({ length: count }, () => ({ oauthId: randomUUID(), oauthSecret: randomBytes(30).toString('base64url') }));
      // One transaction: SQLite commits (and syncs) once instead of once per row.
      await addon.db.transaction(async (trx) => {
        for (const installation of made) {
          await saveInstallation(trx, {
            oauthId: installation.oauthId,
            groupId: 1000 + seeded.length,
            groupName: `Group ${seeded.length}`,
            roomId: null,
            capabilitiesUrl: `${hipchatBaseUrl}/v2/capabilities`,
            apiUrl: `${hipchatBaseUrl}/v2`,
            tokenUrl: `${hipchatBaseUrl}/v2/oauth/token`,
            homepageUrl: hipchatBaseUrl,
            oauthSecretSealed: sealer.seal(installation.oauthSecret),
          });
          seeded.push(installation);
        }
      });
      return made;
    },
    /** Every seeded installation read into the JWT check's cache; returns how many the cache holds. */
    async loadInstallations() {
      for (const { oauthId } of seeded) await addon.installations.get(oauthId);
      return addon.installations.size;
    },
    /** Jobs that stay pending for an hour (run_at ahead), spread over the seeded installations. */
    async seedPendingJobs(arg) {
      const count = Number(arg);
      const runAt = Date.now() + 3_600_000;
      const jobs: NewJob[] = Array.from({ length: count }, (_, i) => ({
        kind: JOB_KINDS.notice,
        installationId: seeded[i % seeded.length]!.oauthId,
        roomId: 1 + (i % 100),
        payload: { notice: { text: `pending notice ${i}`, color: 'gray', notify: false } },
        runAt,
      }));
      await addon.db.transaction((trx) => enqueueJobs(trx, jobs));
      return Number((await addon.db('jobs').where({ state: 'pending' }).count({ n: '*' }))[0]!.n);
    },
    /** Notices for the delivery queue: `perInstallation` for each installation, spread over `rooms` (or its share of them). */
    async queueNotices(arg) {
      const { installations, rooms: allRooms, perInstallation, pairRooms } = arg as { installations: string[]; rooms: number[]; perInstallation: number; pairRooms?: boolean };
      // pairRooms: installation k posts only to rooms k, k + n, … (n installations), so no two share a room.
      const roomsOf = (k: number) => (pairRooms ? allRooms.filter((_, r) => r % installations.length === k) : allRooms);
      const jobs: NewJob[] = installations.flatMap((installationId, k) =>
        Array.from({ length: perInstallation }, (_, i) => ({
          kind: JOB_KINDS.notice,
          installationId,
          roomId: roomsOf(k)[i % roomsOf(k).length]!,
          payload: { notice: { text: `bench notice ${i}`, color: 'gray', notify: false } },
        })),
      );
      // One transaction, as a handler writes its jobs (SQLite syncs once, not 10,000 times).
      await addon.db.transaction((trx) => enqueueJobs(trx, jobs));
      addon.worker.wake();
      return jobs.length;
    },
    /** Alerts stored, and the room notices queued (any state), so far. */
    async alertCounts() {
      const count = async (query: ReturnType<typeof addon.db>) => Number(((await query.count({ n: '*' })) as unknown as Array<{ n: number | string }>)[0]!.n);
      return { alerts: await count(addon.db('alerts')), notices: await count(addon.db('jobs').where({ kind: JOB_KINDS.notice })) };
    },
    /** Jobs by state, for the installations given. */
    async jobStates(arg) {
      const rows: Array<{ state: string; n: number | string }> = await addon.db('jobs').whereIn('installation_id', arg as string[]).select('state').count({ n: '*' }).groupBy('state');
      return Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
    },
    profileStart: () => startProfile(),
    profileStop: (arg) => {
      const { dir, name } = arg as { dir: string; name: string };
      return stopProfile(dir, name);
    },
  },
  async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await addon.close();
  },
);
