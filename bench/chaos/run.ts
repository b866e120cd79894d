/**
 * `npm run chaos` (full size) and `npm run chaos -- --ci` (CHAOS_SIZE=ci): invites and alerts through
 * the real add-on (a child process) and both simulators while calls fail at random, each simulator is
 * down for a while once, and the add-on is killed with SIGKILL and restarted twice. Counts at the
 * simulators what reached them, compares it with what the add-on accepted, and exits non-zero when
 * anything is lost (not arrived after the recovery phase, with the faults off) or the deadline passes. `--pg` (or TEST_DATABASE_URL) runs on PostgreSQL.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdtempSync, rmSync, type WriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openDb, type Db } from '../../lib/store/db';
import { startHipChatSim, type HipChatSim } from '../../sim/hipchat/server';
import { startXMattersSim, type XMattersSim } from '../../sim/xmatters/server';
import { freshDatabase, type TestDatabase } from '../../test/helpers/db';
import { freePort, spawnAddon, type AddonProcess } from '../../test/helpers/process';
import { report, tally, type Sent } from './tally';
import { setUpRoom, type RoomSetUp } from './setup';

const { values: flags } = parseArgs({ options: { ci: { type: 'boolean', default: false }, pg: { type: 'boolean', default: false } } });
const ci = flags.ci || process.env.CHAOS_SIZE === 'ci';
const SIZE = ci
  ? { name: 'ci', invites: 100, rooms: 10, downMs: 5_000, kills: 2, deadlineMs: 4 * 60_000, recoveryMs: 3 * 60_000 }
  : { name: 'full', invites: 1000, rooms: 20, downMs: 30_000, kills: 2, deadlineMs: 20 * 60_000, recoveryMs: 10 * 60_000 };
/** As many alerts as invites: they take turns. */
const ALERTS = SIZE.invites;
const FAILURE_RATE = 0.2;
const SEED = Number(process.env.CHAOS_SEED ?? 12);
/** The add-on's timeouts for HipChat and xMatters, and how long a "timeout" failure holds its answer. */
const PEER_TIMEOUT_S = 2;
const HANG_MS = 3000;
/** How long nothing may change, with no job left, before what is missing counts as lost. */
const QUIET_MS = 30_000;
/** Requests the run keeps in flight to the add-on (a few HipChat users and monitors at once). */
const SENDERS = 6;
/** Who is invited, in turn (seeded xMatters people with devices; bsmith and carol.jones are HipChat users by e-mail). */
const RESPONDERS = ['bsmith', 'mmcbride', 'carol.jones', 'dbrown'];

if (flags.pg && !process.env.TEST_DATABASE_URL) process.env.TEST_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';

const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
const say = (line: string) => console.log(`[${elapsed().padStart(7)}] ${line}`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Run {
  hipchat: HipChatSim;
  xmatters: XMattersSim;
  database: TestDatabase;
  dataDir: string;
  port: number;
  env: Record<string, string>;
  addon: AddonProcess | undefined;
  db: Db | undefined;
  logFile: string;
  log: WriteStream;
}

async function main(): Promise<number> {
  const deadline = started + SIZE.deadlineMs;
  const hipchat = await startHipChatSim();
  const xmatters = await startXMattersSim({ people: 200, groups: 20 });
  const database = await freshDatabase();
  const dataDir = mkdtempSync(join(tmpdir(), 'addon-chaos-'));
  const port = await freePort();
  const run: Run = {
    hipchat,
    xmatters,
    database,
    dataDir,
    port,
    addon: undefined,
    db: undefined,
    logFile: join(dataDir, 'addon.log'),
    log: createWriteStream(join(dataDir, 'addon.log')),
    env: {
      BASE_URL: `http://127.0.0.1:${port}`,
      DATABASE_URL: database.url,
      DATA_DIR: dataDir,
      SECRETS_KEY: randomBytes(32).toString('base64'),
      HIPCHAT_ALLOWED_HOSTS: new URL(hipchat.baseUrl).host,
      XMATTERS_ALLOWED_HOSTS: xmatters.hostname,
      HIPCHAT_TIMEOUT_SECONDS: String(PEER_TIMEOUT_S),
      XMATTERS_TIMEOUT_SECONDS: String(PEER_TIMEOUT_S),
      OUTBOX_LEASE_SECONDS: '5',
      LOG_LEVEL: 'warn',
    },
  };
  try {
    say(`chaos run, ${SIZE.name} size: ${SIZE.invites} invites and ${ALERTS} alerts into ${SIZE.rooms} room installations; ${FAILURE_RATE * 100} % of HipChat and xMatters calls fail (seed ${SEED}); ${database.database.client === 'pg' ? 'PostgreSQL' : 'SQLite'}; add-on log ${run.logFile}`);
    await respawn(run);
    run.db = await openDb(database.database);
    const rooms: RoomSetUp[] = [];
    for (let i = 0; i < SIZE.rooms; i++) rooms.push(await setUpRoom({ hipchat, xmatters, addonUrl: run.env.BASE_URL!, index: i }));
    say(`installed and set up in ${rooms.length} rooms`);

    xmatters.autoRespond({ '*': { response: 'Accept', comment: 'on my way', delayMs: 200 } });
    const faults = { rate: FAILURE_RATE, kinds: ['5xx', '429', 'reset', 'timeout'] as const, hangMs: HANG_MS, retryAfterSeconds: 1 };
    hipchat.faults.random({ ...faults, kinds: [...faults.kinds], seed: SEED });
    xmatters.faults.random({ ...faults, kinds: [...faults.kinds], seed: SEED + 1 });

    // The chaos phase: random failures, the outages and the kills, while the invites and alerts are
    // sent and until every planned outage and kill has happened.
    const sent = await sendAll(run, rooms, deadline);
    say(`sent: ${sent.invites.size} invites and ${sent.alerts.size} alerts accepted (${sent.retries} requests retried, ${sent.refused.length} refused)`);
    await Promise.all(sent.chaos);
    const failures = { hipchat: hipchat.faults.snapshot().random?.counts, xmatters: xmatters.faults.snapshot().random?.counts };
    hipchat.faults.random(null);
    xmatters.faults.random(null);
    const chaosEnded = Date.now();
    say(`chaos over: random failures off; recovery (at most ${SIZE.recoveryMs / 60_000} min) until everything accepted has arrived`);

    // The recovery phase: no trouble any more; what has not arrived when it ends was never delivered.
    // It ends early when nothing has moved for QUIET_MS with no job left to run: what is missing then stays missing.
    const recoveryEnd = Math.min(chaosEnded + SIZE.recoveryMs, deadline + SIZE.recoveryMs);
    let counts = await tally(run.hipchat, run.xmatters, run.db, rooms, sent);
    let lastChange = Date.now();
    while (!counts.settled && Date.now() < recoveryEnd) {
      await sleep(1000);
      const previous = counts.signature;
      counts = await tally(run.hipchat, run.xmatters, run.db, rooms, sent);
      if (counts.signature !== previous) lastChange = Date.now();
      const waiting = (counts.jobs.pending ?? 0) + (counts.jobs.running ?? 0);
      if (waiting === 0 && Date.now() - lastChange > QUIET_MS) break;
    }
    const recoverySeconds = (Date.now() - chaosEnded) / 1000;
    say(counts.settled ? `everything accepted has arrived, ${recoverySeconds.toFixed(1)} s after the chaos ended` : `stopped waiting after ${recoverySeconds.toFixed(1)} s of recovery`);
    const late = !counts.settled && Date.now() >= recoveryEnd;
    console.log('');
    console.log(report(counts, { size: SIZE.name, seconds: (Date.now() - started) / 1000, chaosSeconds: (chaosEnded - started) / 1000, recoverySeconds, recovered: counts.settled, late, xmatters, kills: sent.kills, downs: sent.downs, failures }));
    if (late) console.log(`\nDEADLINE: not everything arrived within ${SIZE.recoveryMs / 60_000} min of recovery`);
    return counts.lost === 0 && !late && sent.refused.length === 0 ? 0 : 1;
  } finally {
    run.addon?.child.kill('SIGKILL');
    await run.addon?.exited;
    await new Promise((resolve) => run.log.end(resolve));
    await run.db?.destroy();
    await hipchat.close();
    await xmatters.close();
    if (process.env.CHAOS_KEEP !== 'true') {
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    } else console.log(`kept: the add-on's log ${run.logFile}, its database ${database.url}`);
  }
}

/**
 * Sends every invite (the "+" dialog's Send Invite, with a page token the dialog got from the add-on)
 * and every alert (to its source's intake URL), a few at a time, each until the add-on answers 2xx; and
 * sets off the outages and kills as the sending gets along.
 */
async function sendAll(run: Run, rooms: RoomSetUp[], deadline: number): Promise<Sent> {
  const total = SIZE.invites + ALERTS;
  const sent: Sent = { invites: new Map(), alerts: new Map(), retries: 0, refused: [], chaos: [], kills: [], downs: [] };
  const items = Array.from({ length: total }, (_, i) => i);
  let done = 0;
  // Progress marks for the trouble: xMatters down, a kill, HipChat down, another kill.
  const marks = [
    { at: 0.15, what: 'xmatters-down' },
    { at: 0.35, what: 'kill' },
    { at: 0.55, what: 'hipchat-down' },
    { at: 0.75, what: 'kill' },
  ].filter((m) => m.what !== 'kill' || SIZE.kills > 0);
  let restarting: Promise<void> | undefined;

  const onProgress = () => {
    while (marks[0] && done / total >= marks[0].at) {
      const mark = marks.shift()!;
      if (mark.what === 'kill') {
        restarting = (async () => {
          const at = Date.now();
          run.addon!.child.kill('SIGKILL');
          await run.addon!.exited;
          run.addon = undefined;
          await respawn(run);
          sent.kills.push({ atSeconds: (at - started) / 1000, downSeconds: (Date.now() - at) / 1000 });
          say(`add-on killed (SIGKILL) and started again in ${((Date.now() - at) / 1000).toFixed(1)} s`);
        })();
        sent.chaos.push(restarting);
      } else {
        const sim = mark.what === 'xmatters-down' ? run.xmatters : run.hipchat;
        const name = mark.what === 'xmatters-down' ? 'xMatters' : 'HipChat';
        sent.chaos.push(
          (async () => {
            const at = Date.now();
            sim.faults.down();
            say(`${name} down (every API call answers 503) for ${SIZE.downMs / 1000} s`);
            await sleep(SIZE.downMs);
            sim.faults.up();
            sent.downs.push({ name, atSeconds: (at - started) / 1000, seconds: (Date.now() - at) / 1000 });
            say(`${name} up again`);
          })(),
        );
      }
    }
  };

  const pageTokens = new Map<number, string>();
  const pageToken = async (room: RoomSetUp, fresh = false): Promise<string> => {
    const known = pageTokens.get(room.roomId);
    if (known && !fresh) return known;
    const url = run.hipchat.pageUrl(room.oauthId, `${run.env.BASE_URL}/invite/dialog`, { userId: 1, roomId: room.roomId });
    const page = await fetch(url);
    const token = /<meta name="token" content="([^"]+)">/.exec(await page.text())?.[1];
    if (!token) throw new Error(`the dialog gave no page token: HTTP ${page.status}`);
    pageTokens.set(room.roomId, token);
    return token;
  };

  /** Sends one request until the add-on answers 2xx; a refusal other than 429 or 401 is recorded. */
  const untilAccepted = async (what: string, send: (fresh: boolean) => Promise<Response>): Promise<unknown | undefined> => {
    let fresh = false;
    for (let attempt = 0; Date.now() < deadline; attempt++) {
      if (attempt > 0) sent.retries += 1;
      try {
        await restarting;
        const res = await send(fresh);
        const body = await res.json().catch(() => null);
        if (res.ok) return body;
        if (res.status === 401) fresh = true;
        else if (res.status !== 429 && res.status < 500) {
          sent.refused.push(`${what}: HTTP ${res.status} ${JSON.stringify(body)}`);
          return undefined;
        }
      } catch {
        // The add-on is down or the connection was cut: try again, as a browser or a monitor would.
      }
      await sleep(Math.min(2000, 100 * 2 ** Math.min(attempt, 4)));
    }
    return undefined;
  };

  const sendOne = async (i: number) => {
    // Invites and alerts take turns.
    const n = Math.floor(i / 2);
    if (i % 2 === 0) {
      const room = rooms[n % rooms.length]!;
      const responder = RESPONDERS[n % RESPONDERS.length]!;
      const idempotencyKey = `chaos-invite-${n}`;
      const body = JSON.stringify({ recipients: [{ targetName: responder, type: 'PERSON' }], description: `Chaos invite ${n}: the checkout queue is backing up`, idempotencyKey });
      const answer = (await untilAccepted(`invite ${n}`, async (fresh) =>
        fetch(`${run.env.BASE_URL}/invite/api/invites`, {
          method: 'POST',
          headers: { authorization: `JWT ${await pageToken(room, fresh)}`, 'content-type': 'application/json' },
          body,
          signal: AbortSignal.timeout(15_000),
        }),
      )) as { inviteId?: string } | undefined;
      if (answer?.inviteId) sent.invites.set(answer.inviteId, { n, roomId: room.roomId, responder });
    } else {
      const room = rooms[n % rooms.length]!;
      const message = `Chaos alert ${n}: disk usage above 90 % on host-${n}`;
      const answer = (await untilAccepted(`alert ${n}`, () =>
        fetch(room.alertUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ color: 'yellow', message, notify: true, message_format: 'text' }),
          signal: AbortSignal.timeout(15_000),
        }),
      )) as { alerts?: Array<{ id: string; occurrences: number }> } | undefined;
      const alert = answer?.alerts?.[0];
      if (alert) sent.alerts.set(message, { n, roomId: room.roomId, alertId: alert.id });
    }
    done += 1;
    onProgress();
  };

  let next = 0;
  await Promise.all(
    Array.from({ length: SENDERS }, async () => {
      while (next < items.length && Date.now() < deadline) await sendOne(items[next++]!);
    }),
  );
  return sent;
}

/** Starts the add-on (again: same port, same database), its output going to the log file rather than memory. */
async function respawn(run: Run): Promise<AddonProcess> {
  run.addon = await spawnAddon(run.env, run.port);
  const { output } = run.addon;
  const drain = setInterval(() => run.log.write(output.splice(0).join('')), 500);
  void run.addon.exited.then(() => {
    clearInterval(drain);
    run.log.write(output.splice(0).join(''));
  });
  return run.addon;
}

const hardStop = setTimeout(() => {
  console.error(`DEADLINE: the chaos run did not end within ${(SIZE.deadlineMs + SIZE.recoveryMs) / 60_000} min and a minute to close`);
  process.exit(2);
}, SIZE.deadlineMs + SIZE.recoveryMs + 60_000);
hardStop.unref();

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
