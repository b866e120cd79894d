import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { createInvite } from '../../lib/invites/service';
import { listJobs } from '../../lib/store/jobs';
import { listRecipients } from '../../lib/store/invites';
import { startHipChatSim, type HipChatSim } from '../../sim/hipchat/server';
import { startXMattersSim, type XMattersSim } from '../../sim/xmatters/server';
import { startAddon, type RunningAddon } from '../helpers/addon';
import { freshDatabase, type TestDatabase } from '../helpers/db';
import { waitFor } from '../helpers/wait';

/**
 * Two add-on instances on one PostgreSQL database, each with its own caches: a responder matched
 * through one (its delivery worker runs the response job) is seen by the other's room_enter, whose
 * "nobody waits for this user" is otherwise answered from memory. Needs TEST_DATABASE_URL (npm run test:pg).
 */
const onPostgres = Boolean(process.env.TEST_DATABASE_URL);
const ROOM = 101; // private: the accepting HipChat user is invited in
const BOB = { id: 2, name: 'Bob Smith', mention_name: 'bsmith' };
const DAN = { id: 4, name: 'Dan Brown', mention_name: 'dbrown' };

/** Callback payloads shaped like the documented fixture (test/fixtures/xmatters, docs §3.2). */
const responseFixture = JSON.parse(readFileSync(new URL('../fixtures/xmatters/callback-response.json', import.meta.url), 'utf8')).payload;

describe('two instances on one PostgreSQL database', { skip: onPostgres ? false : 'needs PostgreSQL: set TEST_DATABASE_URL (npm run test:pg)' }, () => {
  let database: TestDatabase;
  let hipchat: HipChatSim;
  let xmatters: XMattersSim;
  let one: RunningAddon;
  let other: RunningAddon;
  let oauthId: string;
  let callback: { username: string; password: string };

  before(async () => {
    database = await freshDatabase();
    hipchat = await startHipChatSim();
    xmatters = await startXMattersSim();
    const env = { XMATTERS_ALLOWED_HOSTS: xmatters.hostname, SECRETS_KEY: randomBytes(32).toString('base64') };
    const hipchatAllowedHosts = [new URL(hipchat.baseUrl).host];
    one = await startAddon({ hipchatAllowedHosts, env, database, options: { worker: { pollMs: 50 } } });
    // The other instance only answers webhooks here, so the response job surely runs in the first.
    other = await startAddon({ hipchatAllowedHosts, env, database, options: { startWorker: false } });
    const installed = await hipchat.install(one.descriptorUrl, { roomId: ROOM });
    assert.equal(installed.status, 204, installed.body);
    oauthId = installed.installation!.oauthId;
    const token = hipchat.signJwt(oauthId, { userId: 1, roomId: ROOM });
    const saved = await request(one.addon.app)
      .post('/configure/api/settings')
      .set('Authorization', `JWT ${token}`)
      .send({ hostname: xmatters.baseUrl, username: 'hipchat', password: 'hipchat-pass', inviteUrl: xmatters.inviteUrl });
    assert.equal(saved.status, 200, JSON.stringify(saved.body));
    callback = saved.body.callback;
    await one.addon.inviteDeps.joins.settled();
    await other.addon.inviteDeps.joins.settled();
  });
  after(async () => {
    await other?.close();
    await one?.close();
    await hipchat?.close();
    await xmatters?.close();
    await database?.drop();
  });

  const enterThroughOther = (user: typeof BOB) =>
    request(other.addon.app)
      .post(`/webhooks/room_enter?signed_request=${hipchat.signJwt(oauthId, { userId: user.id, roomId: ROOM })}`)
      .send({ event: 'room_enter', oauth_client_id: oauthId, webhook_id: 3, item: { room: { id: ROOM, name: 'Incident 42' }, sender: user } });
  const joinedNotices = (inviteId: string) => hipchat.notifications(ROOM).filter((n) => n.message.includes('joined') && n.message.includes(inviteId.slice(0, 8)));

  test('a match recorded through one instance is seen by the other\'s room_enter', async () => {
    const { inviteId } = await createInvite(one.addon.inviteDeps, {
      installationId: oauthId,
      roomId: ROOM,
      roomName: 'Incident 42',
      inviterId: '1',
      inviterName: 'Alice Admin',
      inviterMention: 'alice',
      description: 'Checkout is failing',
      idempotencyKey: null,
      recipients: [{ targetName: 'bsmith', recipientType: 'PERSON', displayName: 'Bob Smith' }],
    });

    // Before the match, someone entering through the other instance changes nothing.
    assert.equal((await enterThroughOther(DAN)).status, 204);
    assert.deepEqual((await listRecipients(other.addon.db, inviteId)).map((r) => r.state), ['sent']);

    // Bob accepts; the first instance's worker matches him to HipChat user 2 by e-mail.
    const accepted = await request(one.addon.app)
      .post('/xmatters/callbacks')
      .auth(callback.username, callback.password)
      .send({ ...responseFixture, eventIdentifier: 4242, recipient: 'bsmith', response: 'Accept', eventProperties: [{ invite_id: inviteId }, { room_id: String(ROOM) }] });
    assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
    await waitFor(async () => (await listRecipients(one.addon.db, inviteId))[0]?.hipchatUserId === '2', 'the first instance matched Bob', 15_000);

    // Bob entering through the other instance is marked joined, and the room is told once.
    assert.equal((await enterThroughOther(BOB)).status, 204);
    await waitFor(async () => (await listRecipients(other.addon.db, inviteId))[0]?.state === 'joined', 'Bob is marked joined by the other instance', 15_000);
    await waitFor(() => joinedNotices(inviteId).length === 1, 'the room is told that Bob joined', 15_000);
    assert.match(joinedNotices(inviteId)[0]!.message, /^Bob Smith joined,/);
    // Entering again, through either instance, tells the room nothing new.
    assert.equal((await enterThroughOther(BOB)).status, 204);
    await one.addon.worker.runOnce();
    assert.equal((await listJobs(one.addon.db, { kind: 'room.notice' })).filter((j) => JSON.stringify(j.payload).includes('Bob Smith joined')).length, 1);
  });
});
