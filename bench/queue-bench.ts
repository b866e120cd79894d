import knexFactory from 'knex';
import { performance } from 'node:perf_hooks';
import { startChild, type Child } from './ipc';
import { PARAMS } from './params';
import type { AddonInfo } from './procs/addon';
import type { Installed, SimsInfo } from './procs/sims';

// The delivery queue drained: room notices written to the jobs table in one transaction (as a handler
// writes them), then delivered by the add-on's worker to the HipChat simulator. Two settings:
// - HipChat's limits off (the simulator's flood control and rate limit, and the add-on's own counting
//   of them lifted to unreachable maxima — still counted, in the table hipchat_calls, so the row pays
//   what the budget costs), on SQLite and on PostgreSQL: notices per second;
// - flood control on, at both ends, with its window shortened from a minute to PARAMS.queue.floodWindowMs
//   (30 notices per room per window, as HipChat's): 10 rooms × 100 notices, how close to the limit they
//   went out, and how many 429s the simulator answered (the goal: none).

const P = PARAMS.queue;

export interface DrainReport {
  label: string;
  notices: number;
  delivered: number;
  failed: number;
  seconds: number;
  refusals: { rateLimit: number; floodControl: number };
  cutShort: boolean;
  /** Flood row: the most notices any room got within one window, and the time the last one arrived after the first. */
  flood?: { maxInWindow: number; spanSeconds: number; idealSeconds: number };
  skipped?: string;
}

/** A fresh PostgreSQL database for the PostgreSQL row, or why there is none. */
async function pgDatabase(): Promise<{ url: string; drop(): Promise<void> } | { skipped: string }> {
  const server = process.env.BENCH_PG_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const name = `addon_bench_${process.pid}_${Date.now().toString(36)}`;
  const admin = knexFactory({ client: 'pg', connection: { connectionString: server, connectionTimeoutMillis: 3000 }, pool: { min: 0, max: 1 } });
  try {
    await admin.raw(`create database ${name}`);
  } catch (err) {
    return { skipped: `no PostgreSQL at ${server.replace(/\/\/[^@]*@/, '//…@')} (${(err as Error).message}; set BENCH_PG_URL)` };
  } finally {
    await admin.destroy();
  }
  const url = new URL(server);
  url.pathname = `/${name}`;
  return {
    url: url.href,
    async drop() {
      const dropper = knexFactory({ client: 'pg', connection: server, pool: { min: 0, max: 1 } });
      await dropper.raw(`drop database if exists ${name} with (force)`).finally(() => dropper.destroy());
    },
  };
}

export async function benchQueue(): Promise<DrainReport[]> {
  const reports: DrainReport[] = [];
  const sims = await startChild<SimsInfo>('sims', { BENCH_SIM_RATE_LIMIT: 'off', BENCH_SIM_FLOOD_WINDOW_MS: String(P.floodWindowMs) });
  try {
    const addonEnv = { BENCH_HIPCHAT_HOST: sims.info.hipchatHost, BENCH_XMATTERS_HOST: sims.info.xmattersHostname };
    const unlimited = async (label: string, env: Record<string, string>) => {
      const addon = await startChild<AddonInfo>('addon', { ...addonEnv, ...env, BENCH_ADDON_LIMITS: 'off' });
      try {
        await sims.call('floodControl', false);
        reports.push(await drain(label, sims, addon, P.installations, P.rooms, P.notices));
      } finally {
        await sims.call('floodControl', true);
        await addon.close();
      }
    };
    await unlimited('SQLite, HipChat limits off', {});
    const pg = await pgDatabase();
    if ('skipped' in pg) reports.push({ label: 'PostgreSQL, HipChat limits off', notices: 0, delivered: 0, failed: 0, seconds: 0, refusals: { rateLimit: 0, floodControl: 0 }, cutShort: false, skipped: pg.skipped });
    else {
      try {
        await unlimited('PostgreSQL, HipChat limits off', { BENCH_DATABASE_URL: pg.url });
      } finally {
        await pg.drop();
      }
    }

    const addon = await startChild<AddonInfo>('addon', { ...addonEnv, BENCH_ADDON_LIMITS: `flood:${P.floodWindowMs}` });
    try {
      // One installation per room: 100 notices stay within one token's 500 calls per 5 minutes.
      const report = await drain(`SQLite, flood control on (30 per room per ${P.floodWindowMs / 1000} s)`, sims, addon, P.floodRooms, P.floodRooms, P.floodRooms * P.floodPerRoom, true);
      reports.push(report);
    } finally {
      await addon.close();
    }
  } finally {
    await sims.close();
  }
  return reports;
}

async function drain(label: string, sims: Child<SimsInfo>, addon: Child<AddonInfo>, installationCount: number, roomCount: number, noticeCount: number, flood = false): Promise<DrainReport> {
  const installations = await sims.call<Installed[]>('installMany', { descriptorUrl: `${addon.info.baseUrl}/atlassian-connect.json`, count: installationCount });
  const ids = installations.map((i) => i.oauthId);
  const rooms = await sims.call<number[]>('rooms', { count: roomCount, prefix: label });
  const before = await sims.call<{ rateLimit: number; floodControl: number }>('limitRefusals');
  // Each installation's notices go to `roomCount / installationCount` rooms, installation i's to rooms i, i + n, …
  const perInstallation = noticeCount / installationCount;
  // BENCH_CPU_PROF=<dir>: a CPU profile of the add-on while it drains (slower; read its shares, not its rate).
  const profileDir = process.env.BENCH_CPU_PROF;
  if (profileDir) await addon.call('profileStart');
  const started = performance.now();
  const notices = await addon.call<number>('queueNotices', { installations: ids, rooms, perInstallation, pairRooms: true });
  let states: Record<string, number> = {};
  const limit = flood ? P.floodTimeLimitMs : P.timeLimitMs;
  while (performance.now() - started < limit) {
    states = await addon.call<Record<string, number>>('jobStates', ids);
    if ((states.done ?? 0) + (states.failed ?? 0) >= notices) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const seconds = (performance.now() - started) / 1000;
  if (profileDir) console.log(`CPU profile of the add-on: ${await addon.call<string>('profileStop', { dir: profileDir, name: `queue-${label.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}` })}`);
  const after = await sims.call<{ rateLimit: number; floodControl: number }>('limitRefusals');
  const report: DrainReport = {
    label,
    notices,
    delivered: states.done ?? 0,
    failed: states.failed ?? 0,
    seconds,
    refusals: { rateLimit: after.rateLimit - before.rateLimit, floodControl: after.floodControl - before.floodControl },
    cutShort: (states.done ?? 0) + (states.failed ?? 0) < notices,
  };
  if (flood) {
    const times = await sims.call<number[][]>('notificationTimes', rooms);
    let maxInWindow = 0;
    let span = 0;
    for (const roomTimes of times) {
      const sorted = [...roomTimes].sort((a, b) => a - b);
      for (let i = 0, j = 0; i < sorted.length; i++) {
        while (sorted[i]! - sorted[j]! >= P.floodWindowMs) j++;
        maxInWindow = Math.max(maxInWindow, i - j + 1);
      }
      if (sorted.length) span = Math.max(span, (sorted.at(-1)! - sorted[0]!) / 1000);
    }
    // 30 at once, then 30 more each time the window has passed: the last of 100 goes out after 3 windows.
    const idealSeconds = (Math.ceil(P.floodPerRoom / 30) - 1) * (P.floodWindowMs / 1000);
    report.flood = { maxInWindow, spanSeconds: span, idealSeconds };
  }
  return report;
}
