import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import jwt from 'jsonwebtoken';
import request from 'supertest';
import { startHipChatSim, type HipChatSim } from '../../sim/hipchat/server';
import { addonToken, api, errorOf, installProbe, startProbe, type Credentials, type Probe } from './sim-hipchat-probe';

const as = (userId: number) => ({ Cookie: `hipchat_sim_user=${userId}` });

let sim: HipChatSim;
let probe: Probe;
let creds: Credentials;
let token: string;

function glanceCapabilities(url: string) {
  return {
    glance: [
      { key: 'oncall-glance', name: { value: 'On call' }, icon: { url: `${url}/icon.png`, 'url@2x': `${url}/icon@2x.png` }, queryUrl: `${url}/glance`, target: 'oncall-panel', weight: 20 },
      { key: 'admins-only', name: { value: 'Admin glance' }, icon: { url: `${url}/icon.png`, 'url@2x': `${url}/icon@2x.png` }, conditions: [{ condition: 'user_is_admin' }] },
    ],
    webPanel: [{ key: 'oncall-panel', name: { value: 'Who is coming' }, url: `${url}/panel`, location: 'hipchat.sidebar.right' }],
  };
}

before(async () => {
  sim = await startHipChatSim();
  probe = await startProbe();
  creds = await installProbe(sim, probe, glanceCapabilities(probe.url), { scopes: ['view_room', 'send_notification'] });
  token = await addonToken(sim, creds);
});

after(async () => {
  await sim.close();
  await probe.close();
});

test('the room page shows each glance (icon, name until queried) with a signed queryUrl for the browser, ordered by weight; CSP lets it fetch and frame', async () => {
  const page = await request(sim.baseUrl).get('/chat/room/102').set(as(1));
  assert.equal(page.status, 200);
  const glances = [...page.text.matchAll(/<button type="button" class="glance"([^>]*)>/g)].map((match) => match[1] ?? '');
  assert.equal(glances.length, 2);
  assert.match(glances[0] ?? '', /data-key="oncall-glance"/, 'weight 20 before the default 100');
  assert.match(page.text, new RegExp(`<img class="glance-icon" src="${probe.url}/icon.png" alt="">`));
  assert.match(page.text, /<span class="glance-label">On call<\/span>/);
  const queryUrl = /data-query-url="([^"]+)"/.exec(glances[0] ?? '')?.[1]?.replaceAll('&amp;', '&');
  assert.ok(queryUrl);
  const url = new URL(queryUrl);
  assert.equal(`${url.origin}${url.pathname}`, `${probe.url}/glance`);
  const claims = jwt.verify(url.searchParams.get('signed_request')!, creds.oauthSecret, { algorithms: ['HS256'] }) as jwt.JwtPayload;
  assert.equal(claims.iss, creds.oauthId);
  assert.equal(claims.sub, '1');
  assert.deepEqual(claims.context, { room_id: 102, user_tz: 'UTC' });
  assert.match(glances[1] ?? '', /disabled/, 'a glance without a target opens nothing');

  const csp = page.headers['content-security-policy'] ?? '';
  assert.match(csp, new RegExp(`connect-src 'self' ${probe.url}`));
  assert.match(csp, new RegExp(`frame-src [^;]*${probe.url}`));

  const bob = await request(sim.baseUrl).get('/chat/room/102').set(as(2));
  assert.doesNotMatch(bob.text, /admins-only/, 'conditions hold per user');
  await sim.exitRoom(102, 1);
  await sim.exitRoom(102, 2);
});

test('POST addon/ui/room/{id}: 204, the open room’s feed carries the curated content at a new version', async () => {
  const ui = request(sim.baseUrl);
  const first = await ui.get('/chat/room/100/feed').set(as(1));
  const version = first.body.version as string;
  assert.deepEqual(first.body.glances, []);

  const pushed = await api(sim, '/addon/ui/room/100', token, {
    json: {
      glance: [
        {
          key: 'oncall-glance',
          content: { label: { type: 'html', value: '<b>2</b> coming<script>alert(1)</script><img src=x onerror=alert(2)>' }, status: { type: 'lozenge', value: { label: 'ON IT', type: 'success' } } },
        },
      ],
    },
  });
  assert.equal(pushed.status, 204);
  const changed = await ui.get(`/chat/room/100/feed?version=${encodeURIComponent(version)}`).set(as(1));
  assert.equal(changed.status, 200);
  assert.notEqual(changed.body.version, version);
  assert.deepEqual(changed.body.glances, [
    { oauthId: creds.oauthId, key: 'oncall-glance', version: 1, html: '<span class="glance-label"><b>2</b> coming</span><span class="lozenge lozenge-success">ON IT</span>' },
  ]);
  const unchanged = await ui.get(`/chat/room/100/feed?version=${encodeURIComponent(changed.body.version)}`).set(as(1));
  assert.equal(unchanged.status, 204);

  const page = await ui.get('/chat/room/100').set(as(1));
  assert.match(page.text, /data-version="1"/);
  assert.match(page.text, /<span class="glance-label"><b>2<\/b> coming<\/span><span class="lozenge lozenge-success">ON IT<\/span>/);
  const icon = await api(sim, '/addon/ui/room/100', token, {
    json: { glance: [{ key: 'oncall-glance', content: { label: { type: 'html', value: 'All quiet' }, status: { type: 'icon', value: { url: `${probe.url}/ok.png` } } } }] },
  });
  assert.equal(icon.status, 204);
  const latest = await ui.get('/chat/room/100/feed').set(as(1));
  assert.equal(latest.body.glances[0].version, 2);
  assert.match(latest.body.glances[0].html, new RegExp(`<img class="glance-status-icon" src="${probe.url}/ok.png" alt="">`));
  await sim.exitRoom(100, 1);
});

test('glance updates are refused with a reason and change nothing: unknown key, bad content, another room, wrong token', async () => {
  const ui = request(sim.baseUrl);
  const before = (await ui.get('/chat/room/101/feed').set(as(1))).body.version as string;
  const good = { key: 'oncall-glance', content: { label: { type: 'html', value: 'ok' } } };
  const refusals: [string, string | undefined, unknown, number, RegExp][] = [
    ['/addon/ui/room/101', token, { glance: [{ key: 'nope', content: good.content }] }, 400, /declares no glance with the key nope/],
    ['/addon/ui/room/101', token, { glance: [{ key: 'oncall-glance', content: { label: 'text' } }] }, 400, /glance\.0\.content\.label/],
    ['/addon/ui/room/101', token, { glance: [{ key: 'oncall-glance', content: { label: { type: 'html', value: 'x' }, status: { type: 'lozenge', value: { label: 'X', type: 'purple' } } } }] }, 400, /status/],
    ['/addon/ui/room/101', token, { glance: [] }, 400, /at least one glance/],
    ['/addon/ui/room/101', token, {}, 400, /glance must be an array/],
    ['/addon/ui/room/999', token, { glance: [good] }, 404, /Room 999 not found/],
    ['/addon/ui/room/101', sim.createPersonalToken(1, 'me', ['view_room']).token, { glance: [good] }, 403, /Only an add-on/],
    ['/addon/ui/room/101', await addonToken(sim, creds, 'send_notification'), { glance: [good] }, 403, /u'view_room'/],
  ];
  for (const [path, bearer, body, status, problem] of refusals) {
    const res = await api(sim, path, bearer, { json: body });
    assert.equal(res.status, status, JSON.stringify(body));
    assert.match((await errorOf(res)).message, problem);
  }
  const roomInstall = await installProbe(sim, probe, glanceCapabilities(probe.url), { roomId: 100, scopes: ['view_room'] });
  const roomToken = await addonToken(sim, roomInstall);
  const elsewhere = await api(sim, '/addon/ui/room/101', roomToken, { json: { glance: [good] } });
  assert.equal(elsewhere.status, 403);
  assert.equal((await ui.get(`/chat/room/101/feed?version=${encodeURIComponent(before)}`).set(as(1))).status, 204, 'nothing changed in the room');
  sim.revoke(roomInstall.oauthId);
});

test('clicking a glance: first-use authorization, then its web panel with signed_request and context.room_id', async () => {
  const ui = request(sim.baseUrl);
  const first = await ui.post('/chat/room/100/open').set(as(3)).send({ oauthId: creds.oauthId, glance: 'oncall-glance' });
  assert.equal(first.status, 200);
  assert.equal(first.body.kind, 'authorize');
  assert.equal((await ui.post('/chat/api/authorize').set(as(3)).send({ oauthId: creds.oauthId })).status, 204);
  const opened = await ui.post('/chat/room/100/open').set(as(3)).send({ oauthId: creds.oauthId, glance: 'oncall-glance' });
  assert.equal(opened.body.kind, 'webPanel');
  assert.equal(opened.body.panel.name, 'Who is coming');
  assert.equal(opened.body.panel.key, 'oncall-panel');
  const panelUrl = new URL(opened.body.panel.url);
  assert.equal(`${panelUrl.origin}${panelUrl.pathname}`, `${probe.url}/panel`);
  const claims = jwt.verify(panelUrl.searchParams.get('signed_request')!, creds.oauthSecret, { algorithms: ['HS256'] }) as jwt.JwtPayload;
  assert.equal(claims.sub, '3');
  assert.equal((claims.context as { room_id: number }).room_id, 100);

  const byKey = await ui.post('/chat/room/100/open').set(as(3)).send({ oauthId: creds.oauthId, webPanel: 'oncall-panel' });
  assert.equal(byKey.body.kind, 'webPanel', 'HipChat.sidebar.openView({key}) opens it too');
  const nothing = await ui.post('/chat/room/100/open').set(as(3)).send({ oauthId: creds.oauthId, glance: 'admins-only' });
  assert.equal(nothing.status, 400);
  assert.match(nothing.body.error.message, /opens nothing/);
  const missing = await ui.post('/chat/room/100/open').set(as(3)).send({ oauthId: creds.oauthId, glance: 'ghost' });
  assert.equal(missing.status, 404);
});
