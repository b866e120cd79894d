import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { listJobs } from '../../lib/store/jobs';
import { installAndConfigure, startWorld, type ConfiguredInstallation, type World } from '../helpers/world';
import { waitFor } from '../helpers/wait';

/**
 * When HipChat refuses a token (DESIGN §5): one refusal, a run of 5xx or a timeout is an outage and
 * changes no stored data; only HipChat saying again and again that it does not know the client marks the
 * installation revoked, and even then its data is kept for the grace period, restored if HipChat grants a
 * token again, and purged only after.
 */
const ROOM = 100;

/** Everything the installation owns, to compare before and after. */
async function snapshot(world: World, oauthId: string) {
  const db = world.addon.addon.db;
  const installation = await db('installations').where({ oauth_id: oauthId }).first();
  const settings = await db('xmatters_settings').where({ installation_id: oauthId }).first();
  const invites = await db('invites').where({ installation_id: oauthId }).orderBy('id');
  const recipients = await db('invite_recipients').whereIn('invite_id', invites.map((i: { id: string }) => i.id)).orderBy('id');
  return {
    installation: installation && { state: installation.state, revokedAt: installation.revoked_at, secret: installation.oauth_secret_sealed },
    settings: settings && { hostname: settings.hostname, password: settings.password_sealed, callback: settings.callback_password_hash },
    invites: invites.map((i: { id: string; description: string }) => [i.id, i.description]),
    recipients: recipients.map((r: { target_name: string }) => r.target_name),
  };
}

/** An invite made the way the "+" dialog makes it. */
async function sendInvite(world: World, install: ConfiguredInstallation, description: string, token = world.hipchat.signJwt(install.oauthId, { userId: 1, roomId: ROOM })): Promise<string> {
  const res = await request(world.addon.addon.app)
    .post('/invite/api/invites')
    .set('Authorization', `JWT ${token}`)
    .send({ recipients: [{ targetName: 'bsmith', type: 'PERSON', displayName: 'Bob Smith' }], description, idempotencyKey: `key-${Math.random().toString(36).slice(2, 12)}` });
  assert.equal(res.status, 202, res.text);
  return res.body.inviteId;
}

const posted = (world: World, text: string) => world.hipchat.notifications(ROOM).some((n) => n.message.includes(text));

describe('outages of the token endpoint change nothing', () => {
  let world: World;
  let install: ConfiguredInstallation;
  before(async () => {
    world = await startWorld({ worker: { pollMs: 50, backoffBaseMs: 100, backoffMaxMs: 400 } }, { HIPCHAT_TIMEOUT_SECONDS: '1', HIPCHAT_REVOCATION_CONFIRM_SECONDS: '0' });
    install = await installAndConfigure(world, ROOM);
  });
  after(() => world.close());

  /** Makes the add-on ask for a new token at its next HipChat call. */
  const expireTokens = () => world.hipchat.invalidateTokens(install.oauthId);

  test('a 403 once: retried, delivered, nothing changed', async () => {
    const before = await snapshot(world, install.oauthId);
    expireTokens();
    world.hipchat.faults.tokenFailNext(1, 403);
    const inviteId = await sendInvite(world, install, 'After one 403');
    await waitFor(() => posted(world, inviteId.slice(0, 8)), 'the invite notice is posted after the refusal', 15_000);
    const after = await snapshot(world, install.oauthId);
    assert.deepEqual(after.installation, before.installation);
    assert.deepEqual(after.settings, before.settings);
    assert.deepEqual(after.invites.slice(0, before.invites.length), before.invites, 'nothing was purged');
  });

  test('500 for a while: retried until HipChat answers, nothing changed', async () => {
    const before = await snapshot(world, install.oauthId);
    expireTokens();
    world.hipchat.faults.tokenFailNext(6, 500);
    const inviteId = await sendInvite(world, install, 'After a run of 500s');
    await waitFor(() => posted(world, inviteId.slice(0, 8)), 'the invite notice is posted after the outage', 20_000);
    const after = await snapshot(world, install.oauthId);
    assert.deepEqual(after.installation, before.installation);
    assert.deepEqual(after.settings, before.settings);
  });

  test('a timeout: retried, nothing changed', async () => {
    const before = await snapshot(world, install.oauthId);
    expireTokens();
    world.hipchat.faults.tokenHang(1500);
    try {
      const inviteId = await sendInvite(world, install, 'After a hanging token request');
      // The room glance's update or the invite's notice, whichever asks HipChat first.
      const callsHipChat = (kind: string) => kind === 'room.notice' || kind === 'room.glance';
      await waitFor(async () => (await listJobs(world.addon.addon.db)).some((j) => callsHipChat(j.kind) && j.attempts >= 1 && /token request|reach HipChat/.test(j.lastError ?? '')), 'a job timed out on the token request', 15_000);
      world.hipchat.faults.tokenHang(null);
      await waitFor(() => posted(world, inviteId.slice(0, 8)), 'the notice is posted once HipChat answers', 20_000);
    } finally {
      world.hipchat.faults.tokenHang(null);
    }
    const after = await snapshot(world, install.oauthId);
    assert.deepEqual(after.installation, before.installation);
    assert.deepEqual(after.settings, before.settings);
  });
});

describe('a client HipChat no longer knows', () => {
  let world: World;
  before(async () => {
    world = await startWorld(
      { worker: { pollMs: 50, backoffBaseMs: 100, backoffMaxMs: 400 } },
      { HIPCHAT_REVOCATION_CONFIRM_SECONDS: '0', HIPCHAT_REVOKED_GRACE_SECONDS: '4', HIPCHAT_REVOKED_PROBE_SECONDS: '0' },
    );
  });
  after(() => world.close());

  /** Revokes the client in HipChat (without a DELETE) and has the add-on find out through its own calls. */
  async function revokeAndNotice(install: ConfiguredInstallation): Promise<string> {
    const token = world.hipchat.signJwt(install.oauthId, { userId: 1, roomId: ROOM });
    world.hipchat.revoke(install.oauthId);
    const inviteId = await sendInvite(world, install, `Sent as HipChat forgets ${install.oauthId.slice(0, 8)}`, token);
    await waitFor(async () => (await world.addon.addon.db('installations').where({ oauth_id: install.oauthId }).first())?.state === 'revoked', 'the installation is marked revoked', 20_000);
    return inviteId;
  }

  test('is marked revoked only after repeated refusals; its data is kept, its tokens refused, and it is purged after the grace period', async () => {
    const install = await installAndConfigure(world, ROOM);
    const before = await snapshot(world, install.oauthId);
    // Signed while HipChat still knows the client (a revoked one signs nothing).
    const token = world.hipchat.signJwt(install.oauthId, { userId: 1, roomId: ROOM, expiresInSeconds: 600 });
    const inviteId = await revokeAndNotice(install);
    const revoked = await snapshot(world, install.oauthId);
    assert.equal(revoked.installation?.state, 'revoked');
    assert.deepEqual(revoked.settings, before.settings, 'the settings are kept');
    assert.ok(revoked.invites.some(([id]: string[]) => id === inviteId), 'the invite is kept');
    await request(world.addon.addon.app).get('/invite/api/recipients').query({ q: 'bsmith' }).set('Authorization', `JWT ${token}`).expect(401);

    // Within the grace period, housekeeping asks HipChat again and keeps everything.
    await world.addon.addon.housekeeping.runOnce();
    assert.deepEqual((await snapshot(world, install.oauthId)).settings, before.settings);

    await waitFor(
      async () => {
        await world.addon.addon.housekeeping.runOnce();
        return (await world.addon.addon.db('installations').where({ oauth_id: install.oauthId }).first()) === undefined;
      },
      'the installation is purged after the grace period',
      20_000,
      250,
    );
    const purged = await snapshot(world, install.oauthId);
    assert.deepEqual(purged, { installation: undefined, settings: undefined, invites: [], recipients: [] });
    assert.equal((await listJobs(world.addon.addon.db)).filter((j) => j.installationId === install.oauthId).length, 0);
  });

  test('is restored with everything it had when HipChat grants a token again before the grace period ends', async () => {
    const install = await installAndConfigure(world, ROOM);
    const before = await snapshot(world, install.oauthId);
    const inviteId = await revokeAndNotice(install);
    world.hipchat.restore(install.oauthId);
    await world.addon.addon.housekeeping.runOnce();
    const restored = await snapshot(world, install.oauthId);
    assert.equal(restored.installation?.state, 'active');
    assert.equal(restored.installation?.revokedAt, null);
    assert.deepEqual(restored.settings, before.settings);
    const token = world.hipchat.signJwt(install.oauthId, { userId: 1, roomId: ROOM });
    await request(world.addon.addon.app).get('/invite/api/recipients').query({ q: 'bsmith' }).set('Authorization', `JWT ${token}`).expect(200);
    // The notice that waited is delivered now.
    await waitFor(() => posted(world, inviteId.slice(0, 8)), 'the waiting notice is delivered', 20_000);
  });
});
