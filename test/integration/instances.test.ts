import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { after, before, describe, test } from 'node:test';
import { JOB_KINDS } from '../../lib/invites/service';
import { openDb, type Db } from '../../lib/store/db';
import { enqueueJobs, type NewJob } from '../../lib/store/jobs';
import { startHipChatSim, type HipChatSim } from '../../sim/hipchat/server';
import { startXMattersSim, type XMattersSim } from '../../sim/xmatters/server';
import { freshDatabase, type TestDatabase } from '../helpers/db';
import { freePort, spawnAddon, type AddonProcess } from '../helpers/process';
import { waitFor } from '../helpers/wait';

/**
 * Two add-on processes started as `npm start` starts them, on one PostgreSQL database, each on its own
 * port, with the same SECRETS_KEY, and the HipChat and xMatters simulators over HTTP. Installations
 * reach the other instance through the database and the change feed (LISTEN/NOTIFY); the delivery
 * queue is shared, each job delivered once; an instance killed with SIGKILL loses nothing.
 * Two processes need a shared database, so this runs on PostgreSQL only (npm run test:pg).
 */
const onPostgres = Boolean(process.env.TEST_DATABASE_URL);
/** How long an installation is served from memory without a change notice (lib/hipchat/installations.ts FRESH_MS; README). */
const CACHE_FRESH_MS = 60_000;
const USER = { id: 1, name: 'Alice Admin', mention_name: 'alice' };

interface Instance {
  name: string;
  port: number;
  baseUrl: string;
  env: Record<string, string>;
  process: AddonProcess;
}

describe('two add-on processes on one PostgreSQL database', { skip: onPostgres ? false : 'needs PostgreSQL: two processes share one database (set TEST_DATABASE_URL, npm run test:pg)' }, () => {
  let database: TestDatabase;
  let hipchat: HipChatSim;
  let xmatters: XMattersSim;
  let db: Db;
  const dataDirs: string[] = [];
  const instances: Instance[] = [];
  let a: Instance;
  let b: Instance;

  before(async () => {
    database = await freshDatabase();
    hipchat = await startHipChatSim();
    xmatters = await startXMattersSim();
    const secretsKey = randomBytes(32).toString('base64');
    const start = async (name: string): Promise<Instance> => {
      const port = await freePort();
      const dataDir = mkdtempSync(join(tmpdir(), `addon-${name}-`));
      dataDirs.push(dataDir);
      const env = {
        BASE_URL: `http://127.0.0.1:${port}`,
        DATABASE_URL: database.url,
        DATA_DIR: dataDir,
        SECRETS_KEY: secretsKey,
        HIPCHAT_ALLOWED_HOSTS: new URL(hipchat.baseUrl).host,
        XMATTERS_ALLOWED_HOSTS: xmatters.hostname,
        // A killed instance's jobs are taken over after this; the default is a minute.
        OUTBOX_LEASE_SECONDS: '2',
        LOG_LEVEL: 'warn',
      };
      const instance = { name, port, baseUrl: env.BASE_URL, env, process: await spawnAddon(env, port) };
      instances.push(instance);
      return instance;
    };
    // One after the other: the second waits for the first's migrations anyway.
    a = await start('a');
    b = await start('b');
    db = await openDb(database.database);
  });
  after(async () => {
    for (const instance of instances) {
      if (instance.process.child.exitCode === null && instance.process.child.signalCode === null) {
        instance.process.child.kill('SIGTERM');
        await instance.process.exited;
      }
    }
    await db?.destroy();
    await hipchat?.close();
    await xmatters?.close();
    await database?.drop();
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
  });

  /** A room_exit webhook as HipChat sends it (docs/hipchat-connect.md §7), signed for `oauthId`. */
  const webhook = (to: Instance, oauthId: string, roomId: number, token = hipchat.signJwt(oauthId, { userId: USER.id, roomId })) =>
    fetch(`${to.baseUrl}/webhooks/room_exit?signed_request=${token}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ event: 'room_exit', oauth_client_id: oauthId, webhook_id: 7, item: { room: { id: roomId, name: 'Ops War Room' }, sender: USER } }),
    });
  const installationState = async (oauthId: string) => (await db('installations').where({ oauth_id: oauthId }).first())?.state as string | undefined;

  test('an install through one is honoured by the other at once; an uninstall through one is refused by the other within moments', async () => {
    const installed = await hipchat.install(`${a.baseUrl}/atlassian-connect.json`, { roomId: 100 });
    assert.equal(installed.status, 204, installed.body);
    const oauthId = installed.installation!.oauthId;
    // Right after the install through A, with no waiting: B verifies the signature with the new secret.
    const first = await webhook(b, oauthId, 100);
    assert.equal(first.status, 204, await first.text());
    // And B keeps the installation in memory from now on (fresh for a minute), so what follows proves the change feed.
    assert.equal((await webhook(b, oauthId, 100)).status, 204);

    // Signed before the uninstall (HipChat signs nothing for it after): valid for minutes, as HipChat's are.
    const token = hipchat.signJwt(oauthId, { userId: USER.id, roomId: 100 });
    const jobsBefore = Number((await db('jobs').count({ n: '*' }))[0]!.n);
    const uninstalled = await hipchat.uninstall(oauthId);
    const uninstalledAt = performance.now();
    assert.equal(uninstalled.status, 204, uninstalled.body);
    let refused: Response | undefined;
    await waitFor(
      async () => {
        const answer = await webhook(b, oauthId, 100, token);
        if (answer.status === 204) return false;
        refused = answer;
        return true;
      },
      'B refuses the uninstalled installation (its memory is told through LISTEN/NOTIFY; a minute at most without it)',
      CACHE_FRESH_MS,
      5,
    );
    const tookMs = performance.now() - uninstalledAt;
    assert.equal(refused!.status, 401, await refused!.text());
    assert.equal(await installationState(oauthId), 'revoked', 'A concluded the uninstall');
    // The refusal changed nothing: still revoked (kept for the grace period), no job made.
    assert.equal(await installationState(oauthId), 'revoked');
    assert.equal(Number((await db('jobs').count({ n: '*' }))[0]!.n), jobsBefore);
    console.log(`# instances: B refused the uninstalled installation ${tookMs.toFixed(1)} ms after HipChat's DELETE through A was answered`);
  });

  /** Five global installations through A and B, 50 new rooms: what 1,000 notices need to stay within HipChat's limits (480 calls / 5 min per installation, 30 notices / min per room). */
  const setUp = async (label: string) => {
    const oauthIds: string[] = [];
    for (let i = 0; i < 5; i++) {
      const installed = await hipchat.install(`${(i % 2 ? b : a).baseUrl}/atlassian-connect.json`);
      assert.equal(installed.status, 204, installed.body);
      oauthIds.push(installed.installation!.oauthId);
    }
    const rooms: number[] = [];
    for (let i = 0; i < 50; i++) rooms.push((await hipchat.createRoom({ name: `${label} ${i}`, ownerId: 1 })).roomId);
    return { oauthIds, rooms };
  };
  /** `count` room notices written to the shared queue, 20 to each room, each with its own text. */
  const queueNotices = async (label: string, oauthIds: string[], rooms: number[], count: number): Promise<string[]> => {
    const texts: string[] = [];
    const jobs: NewJob[] = Array.from({ length: count }, (_, i) => {
      const text = `${label} notice ${i}`;
      texts.push(text);
      return { kind: JOB_KINDS.notice, installationId: oauthIds[i % oauthIds.length]!, roomId: rooms[i % rooms.length]!, payload: { notice: { text, color: 'gray', notify: false } } };
    });
    // One transaction, as a handler writes its jobs.
    await db.transaction((trx) => enqueueJobs(trx, jobs));
    return texts;
  };
  /** How many times the HipChat simulator received each text, in the given rooms. */
  const receivedCounts = (rooms: number[]) => {
    const counts = new Map<string, number>();
    for (const room of rooms) for (const n of hipchat.notifications(room)) counts.set(n.message, (counts.get(n.message) ?? 0) + 1);
    return counts;
  };
  /** `outbox_jobs_total{kind="room.notice",outcome}` of one instance's /metrics. */
  const noticeRuns = async (instance: Instance, outcome: string): Promise<number> => {
    const text = await (await fetch(`${instance.baseUrl}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(`outbox_jobs_total{kind="${JOB_KINDS.notice}",outcome="${outcome}"}`));
    return line ? Number(line.split(' ').pop()) : 0;
  };

  test('1,000 queued notices are each delivered once, split between the two', { timeout: 120_000 }, async () => {
    const { oauthIds, rooms } = await setUp('Split');
    const doneBefore = { a: await noticeRuns(a, 'done'), b: await noticeRuns(b, 'done') };
    const started = performance.now();
    const texts = await queueNotices('split', oauthIds, rooms, 1000);
    await waitFor(async () => Number((await db('jobs').whereIn('installation_id', oauthIds).where({ state: 'done' }).count({ n: '*' }))[0]!.n) === 1000, 'all 1,000 jobs are done', 100_000, 100);
    const seconds = (performance.now() - started) / 1000;

    const counts = receivedCounts(rooms);
    assert.deepEqual(texts.filter((t) => counts.get(t) !== 1).map((t) => `${t}: ${counts.get(t) ?? 0}`), [], 'every notice reached HipChat exactly once');
    assert.equal([...counts.values()].reduce((s, c) => s + c, 0), 1000, 'and nothing else was posted to these rooms');
    assert.deepEqual(await db('jobs').whereIn('installation_id', oauthIds).whereNot({ state: 'done' }).select('id', 'state'), []);
    const byA = (await noticeRuns(a, 'done')) - doneBefore.a;
    const byB = (await noticeRuns(b, 'done')) - doneBefore.b;
    assert.equal(byA + byB, 1000, `the instances' metrics count every delivery once (A ${byA}, B ${byB})`);
    assert.ok(byA > 0 && byB > 0, `both instances delivered some (A ${byA}, B ${byB})`);
    assert.equal(hipchat.limitRefusals().floodControl + hipchat.limitRefusals().rateLimit, 0, 'HipChat never had to refuse: the limits were kept across both instances');
    console.log(`# instances: 1,000 notices delivered once each in ${seconds.toFixed(1)} s, A ${byA} / B ${byB}`);
  });

  test('SIGKILL of one instance mid-run loses nothing', { timeout: 120_000 }, async () => {
    const { oauthIds, rooms } = await setUp('Kill');
    const doneBefore = await noticeRuns(a, 'done');
    // HipChat answers 30 ms late, so the kill lands while B has notices in flight.
    hipchat.faults.latencyMs = 30;
    try {
      const texts = await queueNotices('kill', oauthIds, rooms, 1000);
      const delivered = () => [...receivedCounts(rooms).values()].reduce((s, c) => s + c, 0);
      // Both instances holding jobs at that moment (a worker claims ahead, so one could hold every room's
      // next job for a while and the other none): then B dies with jobs in hand.
      const holders = async () => (await db('jobs').whereIn('installation_id', oauthIds).where({ state: 'running' }).distinct('locked_by')).length;
      let running = 0;
      await waitFor(
        async () => {
          if (!(delivered() >= 150 && (await noticeRuns(b, 'done')) > 0 && (await holders()) === 2)) return false;
          running = Number((await db('jobs').whereIn('installation_id', oauthIds).where({ state: 'running' }).count({ n: '*' }))[0]!.n);
          b.process.child.kill('SIGKILL');
          return true;
        },
        'some notices were delivered, B among the deliverers, and both instances hold jobs',
        60_000,
        10,
      );
      assert.equal(await b.process.exited, 'SIGKILL');
      const deliveredAtKill = delivered();
      assert.ok(deliveredAtKill < 1000, `the kill came mid-run (${deliveredAtKill} of 1,000 delivered)`);

      await waitFor(async () => Number((await db('jobs').whereIn('installation_id', oauthIds).where({ state: 'done' }).count({ n: '*' }))[0]!.n) === 1000, 'A delivered everything, B\'s leased jobs included', 100_000, 100);
      const counts = receivedCounts(rooms);
      assert.deepEqual(texts.filter((t) => !counts.get(t)).map((t) => t), [], 'nothing lost');
      const duplicates = texts.filter((t) => (counts.get(t) ?? 0) > 1);
      // The jobs B held when it died stayed leased to it until the lease ran out; A then claimed them
      // again, counting an abandoned run. A, alive, renewed its own leases: none of its jobs is among them.
      const takenOver = Number((await db('jobs').whereIn('installation_id', oauthIds).where('abandoned_runs', '>', 0).count({ n: '*' }))[0]!.n);
      assert.ok(takenOver > 0 && takenOver <= running, `A took over the ${takenOver} jobs B held (${running} were running at the kill)`);
      // At-least-once: a notice B posted but had not yet marked done when it died is posted again by A.
      // B runs a room's jobs one at a time, so that is at most one per room it was working on, and
      // never more than the jobs it held.
      assert.ok(duplicates.every((t) => counts.get(t) === 2), 'a notice repeats at most once');
      assert.ok(duplicates.length <= takenOver, `${duplicates.length} duplicates, at most the ${takenOver} jobs B held when it died`);
      console.log(`# instances: SIGKILL of B after ${deliveredAtKill} of 1,000 delivered (${running} jobs running); A took over ${takenOver} of B's and delivered ${(await noticeRuns(a, 'done')) - doneBefore} in all; 0 lost, ${duplicates.length} duplicate notices (posted by B, not yet marked done when it died)`);
    } finally {
      hipchat.faults.latencyMs = 0;
    }
  });
});
