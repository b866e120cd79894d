import assert from 'node:assert/strict';
import express from 'express';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { findInstallation } from '../../lib/store/installations';
import { startHipChatSim, type HipChatSim } from '../../sim/hipchat/server';
import { startAddon, type RunningAddon } from '../helpers/addon';
import { waitFor } from '../helpers/wait';

let sim: HipChatSim;
let addon: RunningAddon;
let rogue: Server;
let rogueHost: string;
/** What the rogue server serves as its capabilities document. */
let rogueDocument: unknown = {};

before(async () => {
  sim = await startHipChatSim();
  // A HipChat look-alike whose document is not self-consistent: no real HipChat serves one, so a
  // throwaway server plays it.
  const app = express();
  app.get('/v2/capabilities', (_req, res) => res.json(rogueDocument));
  rogue = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => rogue.once('listening', resolve));
  rogueHost = `127.0.0.1:${(rogue.address() as AddressInfo).port}`;
  addon = await startAddon({ hipchatAllowedHosts: [new URL(sim.baseUrl).host, rogueHost] });
});
after(async () => {
  await addon.close();
  await sim.close();
  rogue.close();
});

const installed = (oauthId: string) => findInstallation(addon.addon.db, oauthId);

describe('install from the descriptor URL', () => {
  test('room install: verified with HipChat and stored with the secret sealed', async () => {
    const result = await sim.install(addon.descriptorUrl, { roomId: 100 });
    assert.equal(result.status, 204, result.body);
    const oauthId = result.installation!.oauthId;
    const record = await installed(oauthId);
    assert.equal(record?.roomId, 100);
    assert.equal(record?.groupId, 1);
    assert.equal(record?.groupName, 'Acme');
    assert.equal(record?.capabilitiesUrl, sim.capabilitiesUrl);
    assert.equal(record?.apiUrl, `${sim.baseUrl}/v2/`);
    assert.equal(record?.tokenUrl, `${sim.baseUrl}/v2/oauth/token`);
    assert.equal(record?.state, 'active');
    assert.ok(!record?.oauthSecretSealed.includes(result.installation!.oauthSecret));
  });

  test('global install stores no room', async () => {
    const result = await sim.install(addon.descriptorUrl);
    assert.equal(result.status, 204, result.body);
    assert.equal((await installed(result.installation!.oauthId))?.roomId, null);
  });

  test('the same installation posted again is fine', async () => {
    const { installation } = await sim.install(addon.descriptorUrl, { roomId: 101 });
    const body = { capabilitiesUrl: sim.capabilitiesUrl, oauthId: installation!.oauthId, oauthSecret: installation!.oauthSecret, groupId: 1, roomId: 101 };
    await request(addon.addon.app).post('/installable').send(body).expect(204);
    assert.equal((await installed(installation!.oauthId))?.roomId, 101);
  });
});

describe('installation refusals say what to fix and store nothing', () => {
  const post = (body: unknown) => request(addon.addon.app).post('/installable').send(body as object);
  const valid = () => ({ capabilitiesUrl: sim.capabilitiesUrl, oauthId: `forged-${Math.random().toString(36).slice(2)}`, oauthSecret: 'x'.repeat(40), groupId: 1 });

  test('malformed body: 400 naming the field', async () => {
    const { oauthId, ...noId } = valid();
    const res = await post(noId).expect(400);
    assert.match(res.text, /oauthId/);
    await post({ ...valid(), capabilitiesUrl: 'not a url' }).expect(400);
    await post({ ...valid(), groupId: 'one' }).expect(400);
    await request(addon.addon.app).post('/installable').set('content-type', 'application/json').send('{"oauthId":').expect(400);
    assert.equal(await installed(oauthId), undefined);
  });

  test('unfetchable capabilities document: 400', async () => {
    const body = { ...valid(), capabilitiesUrl: `${sim.baseUrl}/v2/no-such-document` };
    const res = await post(body).expect(400);
    assert.match(res.text, /Could not read the capabilities document/);
    assert.equal(await installed(body.oauthId), undefined);
  });

  test('capabilitiesUrl on a host that is not allowed: 403 naming HIPCHAT_ALLOWED_HOSTS', async () => {
    const body = { ...valid(), capabilitiesUrl: 'https://hipchat.evil.example/v2/capabilities' };
    const res = await post(body).expect(403);
    assert.match(res.text, /hipchat\.evil\.example is not in HIPCHAT_ALLOWED_HOSTS/);
    assert.equal(await installed(body.oauthId), undefined);
  });

  test('a document whose links.self is another URL: 403', async () => {
    const capabilitiesUrl = `http://${rogueHost}/v2/capabilities`;
    rogueDocument = {
      links: { self: 'https://api.hipchat.com/v2/capabilities' },
      capabilities: { oauth2Provider: { tokenUrl: `http://${rogueHost}/v2/oauth/token` }, hipchatApiProvider: { url: `http://${rogueHost}/v2/` } },
    };
    const body = { ...valid(), capabilitiesUrl };
    const res = await post(body).expect(403);
    assert.match(res.text, /links\.self/);
    assert.equal(await installed(body.oauthId), undefined);
  });

  test('a document whose token URL is on another host: 403', async () => {
    const capabilitiesUrl = `http://${rogueHost}/v2/capabilities`;
    rogueDocument = {
      links: { self: capabilitiesUrl },
      capabilities: { oauth2Provider: { tokenUrl: 'http://127.0.0.2:9/v2/oauth/token' }, hipchatApiProvider: { url: `http://${rogueHost}/v2/` } },
    };
    const body = { ...valid(), capabilitiesUrl };
    const res = await post(body).expect(403);
    assert.match(res.text, /token URL .* is not on the capabilitiesUrl's host/);
    assert.equal(await installed(body.oauthId), undefined);
  });

  test('HipChat refuses a token for the posted credentials: 403', async () => {
    const body = valid();
    const res = await post(body).expect(403);
    assert.match(res.text, /HipChat refused a token/);
    assert.equal(await installed(body.oauthId), undefined);
  });

  test('a known oauthId with another secret: 409, the stored secret unchanged', async () => {
    const { installation } = await sim.install(addon.descriptorUrl, { roomId: 100 });
    const before = await installed(installation!.oauthId);
    const res = await post({ capabilitiesUrl: sim.capabilitiesUrl, oauthId: installation!.oauthId, oauthSecret: 'y'.repeat(40), groupId: 1, roomId: 100 }).expect(409);
    assert.match(res.text, /another secret/);
    assert.equal((await installed(installation!.oauthId))?.oauthSecretSealed, before?.oauthSecretSealed);
  });

  test('a body over the limit: 413', async () => {
    const body = { ...valid(), padding: 'p'.repeat(20_000) };
    await post(body).expect(413);
    assert.equal(await installed(body.oauthId), undefined);
  });
});

describe('uninstall', () => {
  test('a forged DELETE is refused and changes nothing', async () => {
    const { installation } = await sim.install(addon.descriptorUrl, { roomId: 100 });
    const oauthId = installation!.oauthId;
    const before = await installed(oauthId);
    const forged = await request(addon.addon.app).delete(`/installable/${oauthId}`).expect(403);
    assert.match(forged.text, /still grants tokens/);
    assert.deepEqual(await installed(oauthId), before, 'a forged DELETE changes nothing');
    assert.ok(await addon.addon.installations.get(oauthId));
  });

  test('after HipChat revoked the client, its DELETE is accepted: the installation stops working, its row is kept for the grace period', async () => {
    const { installation } = await sim.install(addon.descriptorUrl, { roomId: 102 });
    const oauthId = installation!.oauthId;
    const { status } = await sim.uninstall(oauthId);
    assert.equal(status, 204);
    const record = await installed(oauthId);
    assert.equal(record?.state, 'revoked');
    assert.ok(record?.revokedAt);
    assert.equal(await addon.addon.installations.get(oauthId), undefined);
    // Asked again, it is already gone.
    await request(addon.addon.app).delete(`/installable/${oauthId}`).expect(204);
  });

  test('a real uninstall right after a forged DELETE still takes effect', async () => {
    const { installation } = await sim.install(addon.descriptorUrl, { roomId: 100 });
    const oauthId = installation!.oauthId;
    await request(addon.addon.app).delete(`/installable/${oauthId}`).expect(403);
    // HipChat's DELETE now may be answered from the reused "still granted" answer; it is asked again.
    await sim.uninstall(oauthId);
    await waitFor(async () => (await installed(oauthId))?.state === 'revoked', 'the installation is marked revoked', 10_000);
  });

  test('a stream of DELETEs costs HipChat one token request per oauthId every 2 s', async () => {
    const { installation } = await sim.install(addon.descriptorUrl, { roomId: 101 });
    const oauthId = installation!.oauthId;
    const grantsBefore = sim.tokenRequests(oauthId);
    const answers = await Promise.all(Array.from({ length: 25 }, () => request(addon.addon.app).delete(`/installable/${oauthId}`)));
    assert.ok(answers.every((a) => a.status === 403 || a.status === 429), answers.map((a) => a.status).join(','));
    assert.equal(sim.tokenRequests(oauthId) - grantsBefore, 1);
    assert.equal((await installed(oauthId))?.state, 'active');
  });

  test('an unknown oauthId is already gone', async () => {
    await request(addon.addon.app).delete('/installable/never-installed').expect(204);
  });
});
