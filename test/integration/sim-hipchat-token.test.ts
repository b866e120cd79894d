import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startHipChatSim, type HipChatSim } from '../../sim/hipchat/server';
import { waitFor } from '../helpers/wait';
import { addonToken, api, errorOf, grant, installProbe, postFaults, startProbe, type Probe } from './sim-hipchat-probe';

const INVALID_CLIENT = { code: 401, message: 'Invalid OAuth client credentials', type: 'Unauthorized' };

let sim: HipChatSim;
let probe: Probe;

before(async () => {
  sim = await startHipChatSim();
  probe = await startProbe();
});

after(async () => {
  await sim.close();
  await probe.close();
});

test('tokenFailNext: the next token requests answer the status with Retry-After and HipChat’s error body, then grants resume', async () => {
  const creds = await installProbe(sim, probe);
  const granted = sim.tokenRequests(creds.oauthId);
  const accessToken = await addonToken(sim, creds);
  sim.faults.tokenFailNext(2, 503, { retryAfter: 7 });
  for (let i = 0; i < 2; i++) {
    const refused = await grant(sim, creds);
    assert.equal(refused.status, 503);
    assert.equal(refused.headers.get('retry-after'), '7');
    assert.deepEqual(await errorOf(refused), { code: 503, message: 'Simulated failure (HTTP 503)', type: 'Service Unavailable' });
  }
  assert.equal(sim.tokenRequests(creds.oauthId), granted + 1, 'refused requests grant nothing');
  assert.equal((await api(sim, '/room/100', accessToken)).status, 200, 'REST calls are not affected');
  assert.equal((await grant(sim, creds)).status, 200);
  assert.equal(sim.tokenRequests(creds.oauthId), granted + 2);
  sim.revoke(creds.oauthId);
});

test('tokenFailNext(…, 401) looks exactly like a revoked client; the add-on’s secret keeps working afterwards', async () => {
  const creds = await installProbe(sim, probe);
  sim.faults.tokenFailNext(1, 401);
  const refused = await grant(sim, creds);
  assert.equal(refused.status, 401);
  assert.equal(refused.headers.get('retry-after'), null);
  assert.deepEqual(await errorOf(refused), INVALID_CLIENT);
  assert.equal(sim.tokenRequests(creds.oauthId), 0);
  assert.ok(sim.installations.has(creds.oauthId), 'nothing was revoked');
  assert.equal((await grant(sim, creds)).status, 200);
  sim.revoke(creds.oauthId);
});

test('token faults through POST /_sim/faults; a bad patch is refused and changes nothing', async () => {
  const creds = await installProbe(sim, probe);
  const set = await postFaults(sim, { tokenFailNext: { count: 1, status: 429, retryAfter: 30 } });
  assert.equal(set.status, 200);
  assert.deepEqual(((await set.json()) as any).tokenFailNext, { count: 1, status: 429, retryAfter: 30 });

  const invalid = await postFaults(sim, { tokenFailNext: { count: 1, status: 200 }, tokenHang: -5 });
  assert.equal(invalid.status, 400);
  assert.match((await errorOf(invalid)).message, /tokenFailNext\.status/);
  const snapshot = (await (await fetch(`${sim.baseUrl}/_sim/faults`)).json()) as any;
  assert.deepEqual(snapshot.tokenFailNext, { count: 1, status: 429, retryAfter: 30 });
  assert.equal(snapshot.tokenHang, null);

  const limited = await grant(sim, creds);
  assert.equal(limited.status, 429);
  assert.equal(limited.headers.get('retry-after'), '30');
  assert.equal((await errorOf(limited)).type, 'Too Many Requests');
  assert.equal(((await (await fetch(`${sim.baseUrl}/_sim/faults`)).json()) as any).tokenFailNext, null);
  assert.equal((await grant(sim, creds)).status, 200);
  sim.revoke(creds.oauthId);
});

test('tokenHang: a client that gives up gets nothing and nothing is granted; tokenHang(null) answers at once again', async () => {
  const creds = await installProbe(sim, probe);
  sim.faults.tokenHang(60_000);
  const client = new AbortController();
  const gaveUp = assert.rejects(grant(sim, creds, undefined, { signal: client.signal }), /abort/i);
  await waitFor(() => sim.faults.heldTokenRequests === 1, 'the token request is held');
  client.abort();
  await gaveUp;
  await waitFor(() => sim.faults.heldTokenRequests === 0, 'the held request is dropped');
  assert.equal(sim.tokenRequests(creds.oauthId), 0);

  assert.equal((await postFaults(sim, { tokenHang: null })).status, 200);
  assert.equal(((await (await fetch(`${sim.baseUrl}/_sim/faults`)).json()) as any).tokenHang, null);
  assert.equal((await grant(sim, creds)).status, 200);
  assert.equal(sim.tokenRequests(creds.oauthId), 1);

  // A short hang is answered once it is over.
  assert.equal((await postFaults(sim, { tokenHang: 50 })).status, 200);
  const late = await grant(sim, creds);
  assert.equal(late.status, 200);
  assert.equal(sim.tokenRequests(creds.oauthId), 2);
  sim.faults.tokenHang(null);
  sim.revoke(creds.oauthId);
});

test('a request left hanging does not keep the simulator from closing', async () => {
  const other = await startHipChatSim();
  const creds = await installProbe(other, probe);
  other.faults.tokenHang(600_000);
  const pending = grant(other, creds).then(
    (res) => res.status,
    () => 'dropped',
  );
  await waitFor(() => other.faults.heldTokenRequests === 1, 'the token request is held');
  await other.close();
  assert.equal(await pending, 'dropped');
  assert.equal(other.tokenRequests(creds.oauthId), 0);
});

test('a revoked or unknown client answers 401 Invalid OAuth client credentials; a wrong secret too', async () => {
  const creds = await installProbe(sim, probe);
  const wrong = await grant(sim, { oauthId: creds.oauthId, oauthSecret: 'x'.repeat(40) });
  assert.equal(wrong.status, 401);
  assert.deepEqual(await errorOf(wrong), INVALID_CLIENT);
  const unknown = await grant(sim, { oauthId: '00000000-0000-4000-8000-000000000000', oauthSecret: creds.oauthSecret });
  assert.deepEqual(await errorOf(unknown), INVALID_CLIENT);
  sim.revoke(creds.oauthId);
  for (let i = 0; i < 3; i++) {
    const revoked = await grant(sim, creds);
    assert.equal(revoked.status, 401);
    assert.deepEqual(await errorOf(revoked), INVALID_CLIENT);
  }
  assert.equal(sim.tokenRequests(creds.oauthId), 0);
});

test('restore: a revoked client is granted again with its old secret, its installation and webhooks are back, old tokens stay dead', async () => {
  const creds = await installProbe(sim, probe, { webhook: [{ event: 'room_enter', url: `${probe.url}/hook/enter` }] });
  const before = await addonToken(sim, creds);
  sim.revoke(creds.oauthId);
  assert.equal(sim.installations.has(creds.oauthId), false);
  assert.deepEqual(await sim.enterRoom(102, 3), [], 'a revoked installation hears nothing');
  await sim.exitRoom(102, 3);

  sim.restore(creds.oauthId);
  assert.equal(sim.installations.get(creds.oauthId)?.oauthSecret, creds.oauthSecret);
  const again = await grant(sim, creds);
  assert.equal(again.status, 200);
  const fresh = ((await again.json()) as { access_token: string }).access_token;
  assert.equal((await api(sim, '/room/100', fresh)).status, 200);
  const stale = await api(sim, '/room/100', before);
  assert.equal(stale.status, 401);
  assert.equal((await errorOf(stale)).message, 'Invalid OAuth session');

  const deliveries = await sim.enterRoom(102, 3);
  assert.deepEqual(deliveries.map((d) => [new URL(d.url).pathname, d.status]), [['/hook/enter', 204]]);
  await sim.exitRoom(102, 3);
  assert.throws(() => sim.restore(creds.oauthId), /no revoked installation/);
  sim.revoke(creds.oauthId);
});

test('restore after uninstall; a refused install cannot be restored', async () => {
  const creds = await installProbe(sim, probe);
  assert.equal((await sim.uninstall(creds.oauthId)).status, 204);
  assert.equal((await grant(sim, creds)).status, 401);
  sim.restore(creds.oauthId);
  assert.equal((await grant(sim, creds)).status, 200);
  sim.revoke(creds.oauthId);

  let refusedId = '';
  probe.on('POST', '/installed', (req, res) => {
    refusedId = req.body.oauthId;
    res.status(403).send('no');
  });
  const outcome = await sim.install(`${probe.url}/descriptor`);
  probe.on('POST', '/installed', (_req, res) => res.status(204).end());
  assert.equal(outcome.status, 403);
  assert.throws(() => sim.restore(refusedId), /no revoked installation/);
  assert.equal(sim.installations.has(refusedId), false);
});
