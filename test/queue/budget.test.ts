import assert from 'node:assert/strict';
import request from 'supertest';
import { after, describe, test } from 'node:test';
import { createAddon, type AddonOptions } from '../../app';
import { JOB_KINDS } from '../../lib/invites/service';
import { createLogger } from '../../lib/logger';
import type { Db } from '../../lib/store/db';
import type { HipChatLimits } from '../../lib/store/hipchat-calls';
import { enqueueJobs, listJobs } from '../../lib/store/jobs';
import { startHipChatSim, type HipChatSim } from '../../sim/hipchat/server';
import { startAddon, type RunningAddon } from '../helpers/addon';
import { waitFor } from '../helpers/wait';
import { installAndConfigure, startWorld, type World } from '../helpers/world';

/**
 * HipChat's whole budget: every REST call — the several calls of a response job, and the calls routes
 * make outside the queue — is counted against the installation's budget in the database, so HipChat
 * never has to answer 429, even with several instances and many rooms.
 */
const callRows = (db: Db, where: Record<string, unknown>) => db('hipchat_calls').where(where).orderBy('id');
const notice = (text: string) => ({ notice: { text, color: 'gray', notify: false } });

describe('what is counted', () => {
  let world: World;
  after(() => world?.close());

  test('the calls of a route and every call of a response job count, as many as HipChat received', async () => {
    world = await startWorld({ worker: { pollMs: 50 } });
    const install = await installAndConfigure(world);
    const db = world.addon.addon.db;
    // Once the jobs in flight settle (a room glance's update may hold a reservation it did not need).
    const everyCallCounted = () =>
      waitFor(async () => (await callRows(db, { installation_id: install.oauthId })).length === world.hipchat.apiCalls(install.oauthId), 'every call HipChat received is counted, and no more');
    await everyCallCounted();

    // The "+" dialog's Send Invite reads the room and the inviter from HipChat, outside the queue.
    const before = (await callRows(db, { installation_id: install.oauthId, job_id: null })).length;
    const token = world.hipchat.signJwt(install.oauthId, { userId: 1, roomId: 101 });
    const sent = await request(world.addon.addon.app)
      .post('/invite/api/invites')
      .set('Authorization', `JWT ${token}`)
      .send({ recipients: [{ targetName: 'bsmith', type: 'PERSON', displayName: 'Bob Smith' }], description: 'Budget test', idempotencyKey: 'budget-test-1' });
    assert.equal(sent.status, 202, sent.text);
    const routeCalls = (await callRows(db, { installation_id: install.oauthId, job_id: null })).slice(before);
    assert.equal(routeCalls.length, 2, 'the room and the inviter');
    assert.ok(routeCalls.every((row) => row.state === 'made'));
    await everyCallCounted();

    const { inviteId } = sent.body as { inviteId: string };
    await waitFor(() => world.xmatters.events.some((e) => e.properties.invite_id === inviteId), 'xMatters has the event', 15_000);
    const event = world.xmatters.events.find((e) => e.properties.invite_id === inviteId)!;
    world.xmatters.respond(event.eventIdentifier, 'bsmith', 'Accept', 'on my way');
    const responseJob = async () => (await listJobs(db, { kind: JOB_KINDS.response })).find((j) => (j.payload as { inviteId: string }).inviteId === inviteId);
    await waitFor(async () => (await responseJob())?.state === 'done', 'the response is posted', 15_000);

    // The private room 101: the user, the room, its members, the invite into it, the notice.
    const jobCalls = await callRows(db, { job_id: (await responseJob())!.id });
    assert.ok(jobCalls.length >= 5, `${jobCalls.length} calls counted for the response job`);
    assert.equal(jobCalls.filter((row) => Boolean(row.notification)).length, 1, 'one of them a notification');
    assert.ok(jobCalls.every((row) => row.state === 'made' && Number(row.room_id ?? 101) === 101), 'used, none left reserved');
    await everyCallCounted();
  });
});

describe('HipChat never answers 429', () => {
  // Windows shortened on both sides, so that they fill and free within seconds.
  const hipchatLimits: HipChatLimits = { perInstallation: { max: 480, windowMs: 6000 }, perRoomNotifications: { max: 30, windowMs: 2000 } };
  let sim: HipChatSim | undefined;
  let addon: RunningAddon | undefined;
  async function tearDown() {
    await addon?.close();
    await sim?.close();
    addon = sim = undefined;
  }
  after(tearDown);

  async function setUp(simLimits: Parameters<typeof startHipChatSim>[0], options: AddonOptions) {
    await tearDown();
    sim = await startHipChatSim(simLimits);
    addon = await startAddon({ hipchatAllowedHosts: [new URL(sim.baseUrl).host], env: { LOG_LEVEL: 'warn' }, options });
    const installed = await sim.install(addon.descriptorUrl);
    assert.equal(installed.status, 204, installed.body);
    return { sim, addon, oauthId: installed.installation!.oauthId };
  }

  async function queueNotices(db: Db, oauthId: string, rooms: number[], perRoom: number) {
    const jobs = Array.from({ length: rooms.length * perRoom }, (_, i) => ({ kind: JOB_KINDS.notice, installationId: oauthId, roomId: rooms[i % rooms.length]!, payload: notice(`budget ${Math.floor(i / rooms.length)}`) }));
    for (let i = 0; i < jobs.length; i += 100) await enqueueJobs(db, jobs.slice(i, i + 100));
  }

  function assertDeliveredInOrder(sim: HipChatSim, rooms: number[], perRoom: number) {
    for (const room of rooms) {
      const texts = sim.notifications(room).map((n) => n.message);
      assert.deepEqual(texts, Array.from({ length: perRoom }, (_, n) => `budget ${n}`), `room ${room}: each notice once, in order`);
    }
  }

  test('10 rooms × 100 notices with flood control on: all delivered in order, zero 429s', { timeout: 240_000 }, async () => {
    const { sim, addon, oauthId } = await setUp({ limits: { rateLimit: { limit: 500, windowMs: 6000 }, floodControl: { limit: 30, windowMs: 2000 } } }, { hipchatLimits, worker: { pollMs: 50 } });
    const rooms: number[] = [];
    for (let i = 0; i < 10; i++) rooms.push((await sim.createRoom({ name: `Budget ${i}`, ownerId: 1 })).roomId);
    const db = addon.addon.db;
    await queueNotices(db, oauthId, rooms, 100);
    addon.addon.worker.wake();
    await waitFor(async () => (await listJobs(db, { kind: JOB_KINDS.notice, state: 'done' })).length === 1000, 'all 1000 notices are delivered', 200_000, 250);

    assert.deepEqual(sim.limitRefusals(), { rateLimit: 0, floodControl: 0 }, 'no 429 from HipChat');
    assertDeliveredInOrder(sim, rooms, 100);
    const jobs = await listJobs(db, { kind: JOB_KINDS.notice });
    assert.ok(jobs.every((j) => j.attempts === 1 && j.lastError === null), 'waiting for the budget is never a failed attempt');
    assert.equal((await callRows(db, { installation_id: oauthId })).length, sim.apiCalls(oauthId));
    console.log(`# budget: 1000 notices to 10 rooms, ${sim.apiCalls(oauthId)} calls, 429s: ${JSON.stringify(sim.limitRefusals())}`);
  });

  test('two instances on one database share one budget', { timeout: 120_000 }, async () => {
    const limits: HipChatLimits = { perInstallation: { max: 40, windowMs: 3000 }, perRoomNotifications: hipchatLimits.perRoomNotifications };
    const { sim, addon, oauthId } = await setUp({ limits: { rateLimit: { limit: 40, windowMs: 3000 }, floodControl: { limit: 30, windowMs: 2000 } } }, { hipchatLimits: limits, worker: { pollMs: 50, workerId: 'first' } });
    const second = await createAddon(addon.addon.config, createLogger('silent'), { hipchatLimits: limits, worker: { pollMs: 50, workerId: 'second' } });
    try {
      const rooms = [100, 101, 102];
      const db = addon.addon.db;
      await queueNotices(db, oauthId, rooms, 40);
      addon.addon.worker.wake();
      second.worker.wake();
      const seenWorking = new Set<string>();
      await waitFor(
        async () => {
          for (const row of await db('jobs').where({ state: 'running' }).distinct('locked_by')) seenWorking.add(String(row.locked_by));
          return (await listJobs(db, { kind: JOB_KINDS.notice, state: 'done' })).length === 120;
        },
        'all 120 notices are delivered',
        100_000,
      );
      assert.deepEqual([...seenWorking].sort(), ['first', 'second'], 'both instances delivered');
      assert.deepEqual(sim.limitRefusals(), { rateLimit: 0, floodControl: 0 }, 'no 429 from HipChat');
      assertDeliveredInOrder(sim, rooms, 40);
      console.log(`# budget: 120 notices through two instances, 429s: ${JSON.stringify(sim.limitRefusals())}`);
    } finally {
      await second.close();
    }
  });
});
