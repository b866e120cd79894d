import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import request from 'supertest';
import { startHipChatSim, type HipChatSim } from '../../sim/hipchat/server';
import { startAddon, type RunningAddon } from '../helpers/addon';

/**
 * A 3-second flood from one address of everything anyone can send without credentials — installations,
 * uninstalls, callbacks with wrong credentials, webhooks with forged JWTs — while HipChat's own signed
 * webhooks keep arriving from the same address.
 */
let sim: HipChatSim;
let addon: RunningAddon;
let oauthId: string;

before(async () => {
  sim = await startHipChatSim();
  addon = await startAddon({ hipchatAllowedHosts: [new URL(sim.baseUrl).host], env: { UNAUTHENTICATED_REQUESTS_PER_MINUTE: '30' } });
  const result = await sim.install(addon.descriptorUrl, { roomId: 100 });
  assert.equal(result.status, 204, result.body);
  oauthId = result.installation!.oauthId;
});
after(async () => {
  await addon.close();
  await sim.close();
});

const FLOOD_MS = 3000;
const MAX_REQUESTS = 3000;

test('a 3-second flood of unauthenticated requests gets 429s while signed webhooks keep their answers', async () => {
  const app = addon.addon.app;
  const forged = (i: number) => [
    () => request(app).post('/installable').send({ capabilitiesUrl: sim.capabilitiesUrl, oauthId: `flood-${i}`, oauthSecret: 'x'.repeat(40), groupId: 1 }),
    () => request(app).delete(`/installable/${oauthId}`),
    () => request(app).post('/xmatters/callbacks').auth('xm-guess', `guess-${i}`).send({ eventIdentifier: 1, status: 'active' }),
    () => request(app).post(`/webhooks/room_enter?signed_request=eyJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJmbG9vZCJ9.${i}`).send({}),
  ];
  const floodStatuses = new Map<number, number>();
  const signedStatuses: number[] = [];
  const deadline = Date.now() + FLOOD_MS;
  let sent = 0;

  // One loop per kind of request, so that a slow kind (an install makes the add-on call HipChat) does not
  // hold the others back.
  const flood = async (kind: number) => {
    while (Date.now() < deadline && sent < MAX_REQUESTS) {
      sent++;
      const res = await forged(sent)[kind]!();
      floodStatuses.set(res.status, (floodStatuses.get(res.status) ?? 0) + 1);
    }
  };
  // During the flood, and on until at least 10 were answered (a loaded machine sends few), bounded.
  const signedDeadline = deadline + 15_000;
  const signed = async () => {
    while ((Date.now() < deadline || signedStatuses.length < 10) && Date.now() < signedDeadline && signedStatuses.length < MAX_REQUESTS) {
      const token = sim.signJwt(oauthId, { userId: 4, roomId: 100 });
      const res = await request(app)
        .post(`/webhooks/room_enter?signed_request=${token}`)
        .send({ event: 'room_enter', oauth_client_id: oauthId, webhook_id: 1, item: { room: { id: 100, name: 'Ops War Room' }, sender: { id: 4, name: 'Dan Brown', mention_name: 'dbrown' } } });
      signedStatuses.push(res.status);
    }
  };
  await Promise.all([flood(0), flood(1), flood(2), flood(3), flood(2), flood(3), signed()]);

  assert.ok((floodStatuses.get(429) ?? 0) > 0, `the flood got 429s: ${JSON.stringify([...floodStatuses])}`);
  assert.ok(signedStatuses.length >= 10, `${signedStatuses.length} signed webhooks were sent`);
  assert.deepEqual([...new Set(signedStatuses)], [204], 'every signed webhook was answered 204');
  // The flood installed nothing and uninstalled nothing.
  assert.equal(await addon.addon.db('installations').whereLike('oauth_id', 'flood-%').first(), undefined);
  assert.equal((await addon.addon.db('installations').where({ oauth_id: oauthId }).first())?.state, 'active');
});
