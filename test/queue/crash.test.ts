import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createInvite, type InviteDeps } from '../../lib/invites/service';
import { openDb, type Db } from '../../lib/store/db';
import { listJobs } from '../../lib/store/jobs';
import { startHipChatSim, type HipChatSim } from '../../sim/hipchat/server';
import { startXMattersSim, type XMattersSim } from '../../sim/xmatters/server';
import { freshDatabase, type TestDatabase } from '../helpers/db';
import { freePort, spawnAddon, type AddonProcess } from '../helpers/process';
import { waitFor } from '../helpers/wait';

/**
 * The add-on killed with SIGKILL while invites are being delivered, then started again: every invite
 * accepted before the crash reaches xMatters and the room.
 */
let hipchat: HipChatSim;
let xmatters: XMattersSim;
let database: TestDatabase;
let db: Db;
let dataDir: string;
let running: AddonProcess | undefined;

before(async () => {
  hipchat = await startHipChatSim();
  xmatters = await startXMattersSim();
  database = await freshDatabase();
  dataDir = mkdtempSync(join(tmpdir(), 'addon-crash-'));
});
after(async () => {
  running?.child.kill('SIGKILL');
  await db?.destroy();
  await hipchat.close();
  await xmatters.close();
  await database.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

test('SIGKILL while jobs are pending, then restart: all delivered, none lost', { timeout: 120_000 }, async () => {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const env = {
    BASE_URL: baseUrl,
    DATABASE_URL: database.url,
    DATA_DIR: dataDir,
    SECRETS_KEY: randomBytes(32).toString('base64'),
    HIPCHAT_ALLOWED_HOSTS: new URL(hipchat.baseUrl).host,
    XMATTERS_ALLOWED_HOSTS: xmatters.hostname,
    OUTBOX_LEASE_SECONDS: '2',
    XMATTERS_EVENT_CONFIRM_SECONDS: '10',
    LOG_LEVEL: 'warn',
  };
  running = await spawnAddon(env, port);

  const installed = await hipchat.install(`${baseUrl}/atlassian-connect.json`, { roomId: 100 });
  assert.equal(installed.status, 204, installed.body);
  const oauthId = installed.installation!.oauthId;
  const token = hipchat.signJwt(oauthId, { userId: 1, roomId: 100 });
  const saved = await fetch(`${baseUrl}/configure/api/settings`, {
    method: 'POST',
    headers: { authorization: `JWT ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ hostname: xmatters.baseUrl, username: 'hipchat', password: 'hipchat-pass', inviteUrl: xmatters.inviteUrl }),
  });
  assert.equal(saved.status, 200, await saved.text());

  // Slow xMatters down so that the kill lands in the middle of the deliveries.
  xmatters.faults.latencyMs = 120;
  db = await openDb(database.database);
  const deps = { db, wake: () => {} } as unknown as InviteDeps;
  const inviteIds: string[] = [];
  for (let i = 0; i < 30; i++) {
    const { inviteId } = await createInvite(deps, {
      installationId: oauthId,
      roomId: 100,
      roomName: 'Ops War Room',
      inviterId: '1',
      inviterName: 'Alice Admin',
      inviterMention: 'alice',
      description: `Crash test ${i}`,
      idempotencyKey: null,
      recipients: [{ targetName: 'bsmith', recipientType: 'PERSON', displayName: 'Bob Smith' }],
    });
    inviteIds.push(inviteId);
  }

  await waitFor(() => xmatters.triggers.length >= 8, 'some invites reached xMatters', 30_000);
  running.child.kill('SIGKILL');
  assert.equal(await running.exited, 'SIGKILL');
  const deliveredBeforeCrash = new Set(xmatters.events.map((e) => e.properties.invite_id)).size;
  const pendingAtCrash = (await listJobs(db)).filter((j) => j.state === 'pending' || j.state === 'running').length;
  assert.ok(deliveredBeforeCrash < 30 && pendingAtCrash > 0, `the crash came mid-way (${deliveredBeforeCrash} delivered, ${pendingAtCrash} jobs left)`);

  running = await spawnAddon(env, port);
  const noticeFor = (id: string) => hipchat.notifications(100).filter((m) => m.message.includes(`invite ${id.slice(0, 8)}`));
  await waitFor(() => inviteIds.every((id) => noticeFor(id).length > 0), 'every invite reached xMatters and the room', 90_000, 100);
  // xMatters makes the event shortly after its 202 (E1, E2), and the notice follows the 202: count
  // events once the add-on has confirmed every one of them.
  // (An invite's nudge is due minutes after it, and the read-backs of its responses stay scheduled while
  // its event is active: neither is waited for.)
  await waitFor(async () => (await listJobs(db)).every((j) => j.state === 'done' || j.kind === 'invite.nudge' || j.kind === 'xmatters.reconcile'), 'every job finished, the events confirmed included', 30_000, 100);

  const eventsPerInvite = inviteIds.map((id) => xmatters.events.filter((e) => e.properties.invite_id === id).length);
  const noticesPerInvite = inviteIds.map((id) => noticeFor(id).length);
  assert.ok(eventsPerInvite.every((count) => count >= 1), 'no invite lost');
  // At-least-once: a job killed after its call reached the peer but before it was marked done runs
  // again after its lease. A trigger cut off like that looks for its event before it is sent again, so
  // only a notice can repeat; one room's jobs run one at a time, so at most one was in flight.
  const doublePages = eventsPerInvite.reduce((sum, c) => sum + c - 1, 0);
  const duplicates = noticesPerInvite.reduce((sum, c) => sum + c - 1, 0);
  console.log(`# crash test: ${deliveredBeforeCrash}/30 delivered before SIGKILL, ${pendingAtCrash} jobs left; double pages: ${doublePages}, duplicate notices: ${duplicates}`);
  assert.equal(doublePages, 0, 'nobody was paged twice');
  assert.ok(duplicates <= 1, `${duplicates} duplicate notices`);
  const unconfirmed = await db('invites').whereIn('id', inviteIds).whereNot({ state: 'confirmed' });
  assert.deepEqual(unconfirmed.map((i: { id: string; state: string }) => `${i.id}: ${i.state}`), [], 'every invite\'s event was confirmed');
});
