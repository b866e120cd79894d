import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import jwt from 'jsonwebtoken';
import { startHipChatSim, type HipChatSim } from '../../sim/hipchat/server';
import { addonToken, api, errorOf, installProbe, startProbe, type Probe } from './sim-hipchat-probe';

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

test('an add-on creates, lists, reads and deletes a room webhook; it fires in that room only, signed when asked', async () => {
  const creds = await installProbe(sim, probe);
  const token = await addonToken(sim, creds, 'admin_room');
  const created = await api(sim, '/room/100/webhook', token, {
    json: { url: `${probe.url}/rest/enter`, event: 'room_enter', name: 'Who joins', key: 'joins', authentication: 'jwt' },
  });
  assert.equal(created.status, 201);
  const { id, links } = (await created.json()) as { id: number; links: { self: string } };
  assert.ok(Number.isInteger(id));
  assert.equal(links.self, `${sim.apiUrl}/room/100/webhook/${id}`);

  const listed = (await (await api(sim, '/room/100/webhook', token)).json()) as any;
  assert.deepEqual(listed.items, [
    { id, name: 'Who joins', key: 'joins', event: 'room_enter', pattern: '', url: `${probe.url}/rest/enter`, authentication: 'jwt', links: { self: links.self } },
  ]);
  assert.equal(listed.startIndex, 0);
  const one = (await (await api(sim, `/room/100/webhook/${id}`, token)).json()) as any;
  assert.equal(one.room.id, 100);
  assert.equal(one.creator, null, 'an add-on token has no user');
  assert.match(one.created, /\+00:00$/);

  const deliveries = await sim.enterRoom(100, 4);
  assert.deepEqual(deliveries.map((d) => new URL(d.url).pathname), ['/rest/enter']);
  const [hook] = probe.received('/rest/enter');
  assert.equal(hook?.body.webhook_id, id);
  assert.equal(hook?.body.oauth_client_id, creds.oauthId);
  const claims = jwt.verify(String(hook?.query.signed_request), creds.oauthSecret, { algorithms: ['HS256'] }) as jwt.JwtPayload;
  assert.equal(claims.sub, '4');
  assert.deepEqual(await sim.enterRoom(102, 4), [], 'another room does not hear it');
  await sim.exitRoom(100, 4);
  await sim.exitRoom(102, 4);

  assert.equal((await api(sim, `/room/100/webhook/${id}`, token, { method: 'DELETE' })).status, 204);
  assert.deepEqual(await sim.enterRoom(100, 4), []);
  await sim.exitRoom(100, 4);
  assert.equal((await api(sim, `/room/100/webhook/${id}`, token)).status, 404);
  assert.equal((await api(sim, `/room/100/webhook/${id}`, token, { method: 'DELETE' })).status, 404);
  sim.revoke(creds.oauthId);
});

test('patterns filter messages, a 200 reply is posted from the add-on; webhooks of a revoked add-on are silent until restored', async () => {
  const creds = await installProbe(sim, probe);
  const token = await addonToken(sim, creds);
  probe.on('POST', '/rest/deploy', (_req, res) => res.status(200).json({ message: 'Deploy noted', message_format: 'text' }));
  const created = await api(sim, '/room/102/webhook', token, { json: { url: `${probe.url}/rest/deploy`, event: 'room_message', pattern: '(?i)^deploy' } });
  assert.equal(created.status, 201);
  assert.equal((await sim.sendMessage(102, 2, 'lunch?')).deliveries.length, 0);
  const before = sim.notifications(102).length;
  assert.equal((await sim.sendMessage(102, 2, 'DEPLOY now')).deliveries.length, 1);
  const reply = sim.notifications(102).slice(before);
  assert.deepEqual(reply.map((n) => [n.message, n.sender]), [['Deploy noted', { type: 'addon', oauthId: creds.oauthId }]]);

  sim.revoke(creds.oauthId);
  assert.equal((await sim.sendMessage(102, 2, 'deploy again')).deliveries.length, 0);
  sim.restore(creds.oauthId);
  assert.equal((await sim.sendMessage(102, 2, 'deploy once more')).deliveries.length, 1);
  sim.revoke(creds.oauthId);
});

test('each client sees only its own webhooks; bad bodies are refused and create nothing', async () => {
  const first = await installProbe(sim, probe);
  const second = await installProbe(sim, probe);
  const firstToken = await addonToken(sim, first);
  const secondToken = await addonToken(sim, second);
  const created = (await (await api(sim, '/room/100/webhook', firstToken, { json: { url: `${probe.url}/rest/mine`, event: 'room_exit' } })).json()) as { id: number };
  assert.deepEqual(((await (await api(sim, '/room/100/webhook', secondToken)).json()) as any).items, []);
  assert.equal((await api(sim, `/room/100/webhook/${created.id}`, secondToken)).status, 404);
  assert.equal((await api(sim, `/room/100/webhook/${created.id}`, secondToken, { method: 'DELETE' })).status, 404);

  for (const [body, problem] of [
    [{ event: 'room_enter' }, /url must be an absolute http\(s\) URL/],
    [{ url: 'ftp://example.com/x', event: 'room_enter' }, /url must be an absolute http\(s\) URL/],
    [{ url: `${probe.url}/x`, event: 'room_party' }, /event must be one of/],
    [{ url: `${probe.url}/x`, event: 'room_enter', pattern: 'hi' }, /pattern applies only to room_message/],
    [{ url: `${probe.url}/x`, event: 'room_message', pattern: '(' }, /not a usable regular expression/],
    [{ url: `${probe.url}/x`, event: 'room_message', key: 'has space' }, /key must be 1 to 40/],
    [{ url: `${probe.url}/x`, event: 'room_message', authentication: 'basic' }, /authentication must be jwt or none/],
  ] as const) {
    const refused = await api(sim, '/room/100/webhook', secondToken, { json: body });
    assert.equal(refused.status, 400, JSON.stringify(body));
    assert.match((await errorOf(refused)).message, problem);
  }
  assert.deepEqual(((await (await api(sim, '/room/100/webhook', secondToken)).json()) as any).items, []);
  const noScope = await addonToken(sim, second, 'view_room');
  assert.equal((await api(sim, '/room/100/webhook', noScope)).status, 403);
  sim.revoke(first.oauthId);
  sim.revoke(second.oauthId);
});

test('a personal token’s webhook (hipchat-rb sends empty pattern and name) is delivered unsigned, without oauth_client_id', async () => {
  const bob = sim.createPersonalToken(2, 'hooks', ['admin_room']).token;
  const created = await api(sim, '/room/102/webhook', bob, { json: { url: `${probe.url}/rest/bob`, event: 'room_topic_change', pattern: '', name: '' } });
  assert.equal(created.status, 201);
  const { id } = (await created.json()) as { id: number };
  const details = (await (await api(sim, `/room/102/webhook/${id}`, bob)).json()) as any;
  assert.equal(details.creator.id, 2);
  assert.equal(details.pattern, '');
  await sim.setTopic(102, 1, 'Friday demo');
  const [hook] = probe.received('/rest/bob');
  assert.deepEqual(Object.keys(hook?.body ?? {}).sort(), ['event', 'item', 'webhook_id']);
  assert.equal(hook?.body.item.topic, 'Friday demo');
  assert.equal(hook?.query.signed_request, undefined);

  const signed = await api(sim, '/room/102/webhook', bob, { json: { url: `${probe.url}/rest/bob`, event: 'room_enter', authentication: 'jwt' } });
  assert.equal(signed.status, 400);
  assert.match((await errorOf(signed)).message, /needs an add-on token/);
});
