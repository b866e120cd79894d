import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import request from 'supertest';
import { HipChatClient } from '../../lib/hipchat/client';
import { startHipChatSim, type HipChatSim } from '../../sim/hipchat/server';
import { startAddon, type RunningAddon } from '../helpers/addon';

let sim: HipChatSim;
let addon: RunningAddon;

before(async () => {
  sim = await startHipChatSim();
  addon = await startAddon({ hipchatAllowedHosts: [new URL(sim.baseUrl).host] });
});
after(async () => {
  await addon.close();
  await sim.close();
});

test('a full install, JWT and uninstall run logs no secret', async () => {
  const secrets: string[] = [];
  const result = await sim.install(addon.descriptorUrl, { roomId: 100 });
  assert.equal(result.status, 204, result.body);
  const { oauthId, oauthSecret } = result.installation!;
  secrets.push(oauthSecret);

  // A refused re-post with another secret, which is logged as a warning.
  const forgedSecret = 'f'.repeat(40);
  secrets.push(forgedSecret);
  await request(addon.addon.app).post('/installable').send({ capabilitiesUrl: sim.capabilitiesUrl, oauthId, oauthSecret: forgedSecret, groupId: 1 }).expect(409);

  // Page loads with the JWT in the query and in the header, a refused token, and a webhook.
  const page = new URL(sim.pageUrl(oauthId, `${addon.baseUrl}/configure`, { userId: 1, roomId: 100 }));
  const token = page.searchParams.get('signed_request')!;
  secrets.push(token);
  const res = await request(addon.addon.app).get(page.pathname + page.search).expect(200);
  const pageToken = /<meta name="token" content="([^"]+)">/.exec(res.text)![1]!;
  secrets.push(pageToken);
  await request(addon.addon.app).post('/configure/api/callback-credentials').set('Authorization', `JWT ${pageToken}`).send({ confirm: true }).expect(409);
  await request(addon.addon.app).get('/configure').set('Authorization', `JWT ${token.slice(0, -4)}AAAA`).expect(401);
  // Spellings of the parameter that another parser could read: refused, and redacted all the same.
  await request(addon.addon.app).get(`/configure?%73igned_request=${token}`).expect(400);
  await request(addon.addon.app).get(`/configure?signed_request[]=${token}`).expect(400);
  await request(addon.addon.app).get(`/configure?x=${token}`).expect(401);
  await sim.enterRoom(100, 2);

  // REST calls (token fetch, notification), then uninstall.
  const installation = (await addon.addon.installations.get(oauthId))!;
  await new HipChatClient(installation, addon.addon.tokens, (await import('axios')).default.create({ timeout: 5000 })).sendNotification(100, { message: 'hello' });
  assert.equal((await sim.uninstall(oauthId)).status, 204);

  const text = addon.logs.join('');
  assert.ok(addon.logs.length > 5, 'the run was logged');
  assert.match(text, /"msg":"installed"/);
  assert.match(text, /Uninstalled in HipChat: installation marked revoked/);
  assert.match(text, /\[Redacted\]/, 'the signed_request query value is redacted');
  for (const secret of secrets) assert.ok(!text.includes(secret), `a secret (${secret.slice(0, 6)}…) appears in the logs`);
  assert.ok(!/oauthSecret"?\s*:\s*"[^[]/.test(text));
});
