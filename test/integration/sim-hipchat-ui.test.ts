import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import express from 'express';
import jwt from 'jsonwebtoken';
import request from 'supertest';
import { startHipChatSim, type HipChatSim } from '../../sim/hipchat/server';
import { startAddon, type RunningAddon } from '../helpers/addon';

const ALL_EVENTS = ['room_enter', 'room_exit', 'room_archived', 'room_unarchived', 'room_deleted', 'room_created', 'room_topic_change', 'room_message'] as const;

interface Hook {
  event: string;
  signedRequest: string | undefined;
  body: { event: string; item: Record<string, any>; oauth_client_id: string };
}

/** A throwaway add-on: descriptors by name, a scripted install answer, and every webhook recorded. */
async function startProbe() {
  const hooks: Hook[] = [];
  const secrets = new Map<string, string>();
  const descriptors = new Map<string, unknown>();
  let installAnswer: { status: number; body: string } = { status: 204, body: '' };
  const app = express();
  app.use(express.json());
  app.get('/descriptor/:name', (req, res) => {
    const descriptor = descriptors.get(req.params.name);
    if (descriptor === undefined) res.status(404).end();
    else res.json(descriptor);
  });
  app.post('/installed', (req, res) => {
    if (installAnswer.status < 300) secrets.set(req.body.oauthId, req.body.oauthSecret);
    res.status(installAnswer.status).type('text/plain').send(installAnswer.body);
  });
  app.delete('/installed/:id', (_req, res) => {
    res.status(204).end();
  });
  app.post('/hooks/:event', (req, res) => {
    const signedRequest = typeof req.query.signed_request === 'string' ? req.query.signed_request : undefined;
    hooks.push({ event: req.params.event, signedRequest, body: req.body });
    if (req.params.event === 'room_message') res.json({ message: `pong to ${req.body.item.message.from.name}`, color: 'green', message_format: 'text' });
    else res.status(204).end();
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    hooks,
    secrets,
    serve(name: string, descriptor: unknown) {
      descriptors.set(name, descriptor);
      return `${url}/descriptor/${name}`;
    },
    answerInstall(status: number, body = '') {
      installAnswer = { status, body };
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let sim: HipChatSim;
let probe: Awaited<ReturnType<typeof startProbe>>;
let addon: RunningAddon;
let probeUrl: string;

function probeDescriptor(url: string) {
  return {
    key: 'com.example.ui-probe',
    name: 'UI Probe',
    description: 'Records what the simulator sends',
    links: { self: `${url}/descriptor/probe` },
    capabilities: {
      hipchatApiConsumer: { scopes: ['send_notification', 'view_room'], fromName: 'Probe' },
      installable: { callbackUrl: `${url}/installed` },
      configurable: { url: `${url}/configure` },
      webhook: ALL_EVENTS.map((event) => ({
        event,
        url: `${url}/hooks/${event}`,
        authentication: 'jwt',
        ...(event === 'room_message' ? { pattern: '^ping' } : {}),
      })),
      dialog: [
        {
          key: 'probe-dialog',
          title: { value: 'Probe dialog' },
          url: `${url}/dialog`,
          options: {
            size: 'large',
            hint: { value: 'A hint' },
            primaryAction: { key: 'probe.go', name: { value: 'Go' }, enabled: false },
            secondaryActions: [{ key: 'probe.cancel', name: { value: 'Cancel' } }],
          },
        },
      ],
      action: [
        { key: 'probe-action', name: { value: 'Open the probe' }, target: 'probe-dialog', location: 'hipchat.input.action', weight: 20 },
        {
          key: 'probe-admin-action',
          name: { value: 'Admins only' },
          target: { key: 'probe-dialog', options: { size: { width: '50%', height: '300' } } },
          location: 'hipchat.input.action',
          weight: 10,
          conditions: [{ condition: 'user_is_admin' }],
        },
        { key: 'probe-message-action', name: { value: 'Not in the + menu' }, target: 'probe-dialog', location: 'hipchat.message.action' },
      ],
    },
  };
}

const as = (userId: number) => ({ Cookie: `hipchat_sim_user=${userId}` });
const ui = () => request(sim.baseUrl);

before(async () => {
  sim = await startHipChatSim();
  probe = await startProbe();
  addon = await startAddon({ hipchatAllowedHosts: [new URL(sim.baseUrl).host] });
  probeUrl = probe.serve('probe', probeDescriptor(probe.url));
});

after(async () => {
  await sim.close();
  await addon.close();
  await probe.close();
});

function oauthIdOf(name: string): string {
  const installation = [...sim.installations.values()].find((i) => i.descriptor.name === name);
  assert.ok(installation, `${name} is installed`);
  return installation.oauthId;
}

test('the chat pages render with a strict CSP: lobby, room with composer and participants, integrations', async () => {
  const lobby = await ui().get('/chat').set(as(2)).expect(200);
  assert.match(lobby.text, /Ops War Room/);
  assert.match(lobby.text, /Incident 42/);
  const csp = lobby.headers['content-security-policy'] as string;
  assert.match(csp, /script-src 'self'(;|$)/);
  assert.doesNotMatch(csp, /unsafe-inline/);
  assert.doesNotMatch(lobby.text, /<script(?![^>]*\bsrc=)/, 'no inline scripts');

  const room = await ui().get('/chat/room/100').set(as(2)).expect(200);
  assert.match(room.text, /id="composer-input"/);
  assert.match(room.text, /id="plus-button"/);
  assert.match(room.text, /Bob Smith <span class="muted">\(you\)<\/span>/, 'the participant list shows the viewer');
  assert.ok(sim.state.room(100).participants.has(2), 'opening the room entered it');

  const integrations = await ui().get('/addons').set(as(1)).expect(200);
  assert.match(integrations.text, /Install an integration from a descriptor URL/);
  const forBob = await ui().get('/addons').set(as(2)).expect(200);
  assert.match(forBob.text, /Only group admins can install or uninstall integrations/);
  assert.doesNotMatch(forBob.text, /name="url"/);

  const js = await ui().get('/atlassian-connect/all.js').expect(200);
  assert.equal(js.headers['cross-origin-resource-policy'], 'cross-origin');
  assert.equal(js.headers['access-control-allow-origin'], '*');
  assert.match(js.text, /window\.HipChat =/);
  const css = await ui().get('/atlassian-connect/all.css').expect(200);
  assert.equal(css.headers['cross-origin-resource-policy'], 'cross-origin');
});

test('a private room opens only for members; an invited user becomes one', async () => {
  const refused = await ui().get('/chat/room/101').set(as(3)).expect(403);
  assert.match(refused.text, /You are not a member of this private room/);
  assert.ok(!sim.state.room(101).participants.has(3));
  await ui().post('/chat/room/101/invite').set(as(1)).type('form').send({ userId: '3' }).expect(303);
  await ui().get('/chat/room/101').set(as(3)).expect(200);
  assert.ok(sim.state.room(101).participants.has(3));
});

test('the install form shows schema errors for a bad descriptor, and only admins may install', async () => {
  const bad = probe.serve('bad', { name: 'Broken', description: 'x', links: { self: `${probe.url}/descriptor/bad` }, capabilities: { hipchatApiConsumer: { scopes: ['read_minds'] } } });
  const page = await ui().get('/addons/install').query({ url: bad }).set(as(1)).expect(400);
  assert.match(page.text, /is invalid/);
  assert.match(page.text, /key/, 'names the missing key');
  assert.match(page.text, /descriptor\/capabilities\/hipchatApiConsumer\/scopes\/0/);
  assert.equal(sim.installations.size, 0);

  await ui().get('/addons/install').query({ url: probeUrl }).set(as(2)).expect(403);
  await ui().post('/addons/install').set(as(2)).type('form').send({ url: probeUrl, target: 'global' }).expect(403);
  assert.equal(sim.installations.size, 0);
});

test('the review screen shows the add-on and its scopes; the add-on refusing shows its status and body', async () => {
  const review = await ui().get('/addons/install').query({ url: probeUrl, room: '100' }).set(as(1)).expect(200);
  assert.match(review.text, /Install UI Probe/);
  assert.match(review.text, /Records what the simulator sends/);
  assert.match(review.text, /Send Notification<\/strong><span class="muted">Send room notifications/);
  assert.match(review.text, /View Room<\/strong><span class="muted">View room information and participants, but not history/);
  assert.match(review.text, /value="100" selected/);

  probe.answerInstall(403, 'This group is not allowed <here>');
  const refused = await ui().post('/addons/install').set(as(1)).type('form').send({ url: probeUrl, target: 'global' }).expect(502);
  assert.match(refused.text, /UI Probe refused the installation: its install callback answered HTTP 403/);
  assert.match(refused.text, /This group is not allowed &lt;here&gt;/);
  assert.equal(sim.installations.size, 0);
});

test('an admin installs globally from the descriptor URL; the integrations page lists it', async () => {
  probe.answerInstall(204);
  const installed = await ui().post('/addons/install').set(as(1)).type('form').send({ url: probeUrl, target: 'global' }).expect(303);
  assert.equal(installed.headers.location, '/addons');
  const list = await ui().get('/addons').set(as(1)).expect(200);
  assert.match(list.text, /UI Probe is installed globally/);
  assert.match(list.text, /<span class="tag tag-global">Global<\/span>/);
  assert.match(list.text, /Installed \d{4}-\d\d-\d\d at \d\d:\d\d UTC/);
  const oauthId = oauthIdOf('UI Probe');
  assert.match(list.text, new RegExp(`href="/addons/${oauthId}/configure"`));
  assert.match(list.headers['content-security-policy'] as string, new RegExp(`frame-src ${probe.url}`));

  const configure = await ui().get(`/addons/${oauthId}/configure`).set(as(1)).expect(200);
  const src = /<iframe[^>]*src="([^"]+)"/.exec(configure.text)?.[1]?.replaceAll('&amp;', '&') ?? '';
  assert.ok(src.startsWith(`${probe.url}/configure?signed_request=`));
  const claims = jwt.verify(new URL(src).searchParams.get('signed_request')!, probe.secrets.get(oauthId)!) as jwt.JwtPayload;
  assert.equal(claims.sub, '1');
  await ui().get(`/addons/${oauthId}/configure`).set(as(2)).expect(403);
});

test('the + menu lists input actions of installations covering the room, by weight and condition', async () => {
  const forAlice = await ui().get('/chat/room/100/actions').set(as(1)).expect(200);
  assert.deepEqual(
    forAlice.body.actions.map((a: { key: string; name: string; addonName: string }) => [a.key, a.name, a.addonName]),
    [
      ['probe-admin-action', 'Admins only', 'UI Probe'],
      ['probe-action', 'Open the probe', 'UI Probe'],
    ],
  );
  const forBob = await ui().get('/chat/room/100/actions').set(as(2)).expect(200);
  assert.deepEqual(forBob.body.actions.map((a: { key: string }) => a.key), ['probe-action']);
});

test('the first dialog use asks to authorize once per user and add-on; then the dialog opens signed', async () => {
  const oauthId = oauthIdOf('UI Probe');
  const first = await ui().post('/chat/room/100/open').set(as(1)).send({ oauthId, action: 'probe-action' }).expect(200);
  assert.equal(first.body.kind, 'authorize');
  assert.equal(first.body.addon.name, 'UI Probe');
  assert.deepEqual(first.body.scopes.map((s: { name: string }) => s.name), ['Send Notification', 'View Room']);

  await ui().post('/chat/api/authorize').set(as(1)).send({ oauthId }).expect(204);
  const opened = await ui().post('/chat/room/100/open').set(as(1)).send({ oauthId, action: 'probe-action' }).expect(200);
  assert.equal(opened.body.kind, 'dialog');
  const dialog = opened.body.dialog;
  assert.equal(dialog.title, 'Probe dialog');
  assert.equal(dialog.hint, 'A hint');
  assert.deepEqual([dialog.width, dialog.height], ['800px', '560px']);
  assert.deepEqual(dialog.primaryAction, { key: 'probe.go', name: 'Go', enabled: false });
  assert.deepEqual(dialog.secondaryActions, [{ key: 'probe.cancel', name: 'Cancel', enabled: true }]);
  const url = new URL(dialog.url);
  assert.equal(`${url.origin}${url.pathname}`, `${probe.url}/dialog`);
  const claims = jwt.verify(url.searchParams.get('signed_request')!, probe.secrets.get(oauthId)!, { algorithms: ['HS256'] }) as jwt.JwtPayload;
  assert.equal(claims.iss, oauthId);
  assert.equal(claims.sub, '1');
  assert.equal(typeof claims.iat, 'number');
  assert.ok(claims.exp! > claims.iat!);
  assert.match(String(claims.jti), /^[A-Za-z0-9]{20}$/);
  assert.deepEqual(claims.context, { room_id: 100, user_tz: 'UTC' });

  const again = await ui().post('/chat/room/100/open').set(as(1)).send({ oauthId, action: 'probe-admin-action' }).expect(200);
  assert.equal(again.body.kind, 'dialog', 'not asked again');
  assert.deepEqual([again.body.dialog.width, again.body.dialog.height], ['50%', '300px'], 'the action target options apply');
  const bob = await ui().post('/chat/room/100/open').set(as(2)).send({ oauthId, action: 'probe-action' }).expect(200);
  assert.equal(bob.body.kind, 'authorize', 'another user is asked');

  const token = await ui().post('/chat/api/token').set(as(1)).send({ oauthId, roomId: 100 }).expect(200);
  const fresh = jwt.verify(token.body.token, probe.secrets.get(oauthId)!) as jwt.JwtPayload;
  assert.equal(fresh.sub, '1');
  assert.equal(fresh.context.room_id, 100);
  await ui().post('/chat/api/token').set(as(3)).send({ oauthId }).expect(403);
  const user = await ui().get('/chat/api/user').set(as(2)).expect(200);
  assert.equal(user.body.mention_name, 'bsmith');
  const details = await ui().get('/chat/api/room/100').set(as(2)).expect(200);
  assert.equal(details.body.name, 'Ops War Room');
});

test('room events done in the UI reach the webhooks with a JWT for the acting user', async () => {
  const oauthId = oauthIdOf('UI Probe');
  const secret = probe.secrets.get(oauthId)!;
  probe.hooks.length = 0;
  await ui().get('/chat/room/102').set(as(4)).expect(200); // room_enter
  await ui().get('/chat/room/100').set(as(4)).expect(200); // room_exit 102, room_enter 100
  await ui().post('/chat/room/100/topic').set(as(4)).type('form').send({ topic: 'DB outage' }).expect(303);
  await ui().post('/chat/room/100/message').set(as(4)).type('form').send({ message: 'ping from the UI' }).expect(303);
  await ui().post('/chat/room/100/message').set(as(4)).type('form').send({ message: 'no pattern match' }).expect(303);
  const created = await ui().post('/chat/rooms').set(as(4)).type('form').send({ name: 'Scratch' }).expect(303);
  const scratch = Number(/\/chat\/room\/(\d+)$/.exec(created.headers.location as string)?.[1]);
  await ui().post(`/chat/room/${scratch}/archive`).set(as(4)).expect(303);
  await ui().post(`/chat/room/${scratch}/unarchive`).set(as(4)).expect(303);
  await ui().post(`/chat/room/${scratch}/delete`).set(as(4)).expect(303);
  await ui().post('/chat/user').set(as(4)).type('form').send({ userId: '5', returnTo: '/chat/room/100' }).expect(303); // room_exit 100

  assert.deepEqual(
    probe.hooks.map((hook) => [hook.event, hook.body.item.room.id]),
    [
      ['room_enter', 102],
      ['room_exit', 102],
      ['room_enter', 100],
      ['room_topic_change', 100],
      ['room_message', 100],
      ['room_created', scratch],
      ['room_archived', scratch],
      ['room_unarchived', scratch],
      ['room_deleted', scratch],
      ['room_exit', 100],
    ],
  );
  for (const hook of probe.hooks) {
    assert.equal(hook.body.event, hook.event);
    assert.equal(hook.body.oauth_client_id, oauthId);
    const claims = jwt.verify(hook.signedRequest ?? '', secret, { algorithms: ['HS256'] }) as jwt.JwtPayload;
    assert.equal(claims.sub, '4', `${hook.event} is signed for Dan`);
    assert.equal(claims.context.room_id, hook.body.item.room.id);
  }
  assert.equal(probe.hooks[3]?.body.item.topic, 'DB outage');
  assert.equal(probe.hooks[4]?.body.item.message.message, 'ping from the UI');
});

test('a synchronous JSON reply to room_message is posted to the room and shows in its feed', async () => {
  const replies = sim.notifications(100).filter((n) => n.message === 'pong to Dan Brown');
  assert.equal(replies.length, 1);
  assert.equal(replies[0]?.color, 'green');
  const feed = await ui().get('/chat/room/100/feed').set(as(1)).expect(200);
  const html = feed.body.items.map((item: { html: string }) => item.html).join('\n');
  assert.match(html, /class="item item-notification color-green"[\s\S]*pong to Dan Brown/);
  assert.match(html, /ping from the UI[\s\S]*pong to Dan Brown/, 'the reply follows the message');
  await ui().get('/chat/room/100/feed').query({ version: feed.body.version }).set(as(1)).expect(204);
});

test('notifications render HipChat-style: colours, html allowlist, escaped text, mentions, links, cards', async () => {
  const oauthId = oauthIdOf('UI Probe');
  const token = await accessToken(oauthId, probe.secrets.get(oauthId)!);
  const post = (body: object) =>
    request(sim.apiUrl).post('/room/102/notification').set('Authorization', `Bearer ${token}`).send(body).expect(204);
  await post({ message: '<b>bold</b> <script>alert(1)</script><img src=x onerror=alert(2)><a href="javascript:alert(3)">js</a><a href="https://ok.example/">ok</a><div style="x">div</div>', color: 'red' });
  await post({ message: '<i>not html</i> hi @cjones and @nobody, see https://status.example.com/x.', message_format: 'text', color: 'purple' });
  await post({
    message: 'card fallback',
    color: 'gray',
    card: {
      style: 'application',
      id: 'c1',
      url: 'https://example.com/e/1',
      title: 'Event 1 <b>raw</b>',
      description: { value: '<b>desc</b><script>x</script>', format: 'html' },
      icon: { url: 'https://example.com/icon.png' },
      attributes: [{ label: 'status', value: { label: 'active', style: 'lozenge-current' } }, { label: 'x', value: { label: 'y', style: 'evil"class' } }],
    },
  });
  const page = await ui().get('/chat/room/102').set(as(3)).expect(200);
  const text = page.text;
  assert.match(text, /class="item item-notification color-red"/);
  assert.match(text, /<b>bold<\/b>/);
  assert.doesNotMatch(text, /alert\(1\)|onerror|javascript:/);
  assert.match(text, /<a href="https:\/\/ok\.example\/" target="_blank" rel="noopener noreferrer nofollow">ok<\/a>/);
  assert.doesNotMatch(text, /<div style/);
  assert.match(text, /&lt;i&gt;not html&lt;\/i&gt;/);
  assert.match(text, /<span class="mention mention-me">@cjones<\/span>/);
  assert.doesNotMatch(text, /<span class="mention[^"]*">@nobody/);
  assert.match(text, /<a href="https:\/\/status\.example\.com\/x" [^>]*>https:\/\/status\.example\.com\/x<\/a>\./);
  assert.match(text, /class="card-title" href="https:\/\/example\.com\/e\/1"[^>]*>Event 1 &lt;b&gt;raw&lt;\/b&gt;/);
  assert.match(text, /<div class="card-description"><b>desc<\/b><\/div>/);
  assert.match(text, /<span class="lozenge lozenge-current">active<\/span>/);
  assert.match(text, /<span class="attribute-text">y<\/span>/);
  assert.doesNotMatch(text, /card fallback/);
});

test('our add-on accepts the webhook JWTs of every room event it subscribes to', async () => {
  await ui().post('/addons/install').set(as(1)).type('form').send({ url: addon.descriptorUrl, target: 'global' }).expect(303);
  const oauthId = oauthIdOf('xMatters On-Call Invite');
  const subscribed = new Set(sim.installations.get(oauthId)!.webhooks.map((webhook) => webhook.event));
  assert.ok(subscribed.size > 0);

  const toAddon = (deliveries: { url: string; status: number; body: string }[]) => deliveries.filter((d) => d.url.startsWith(addon.baseUrl));
  const results = new Map<string, { url: string; status: number; body: string }[]>();
  results.set('room_enter', toAddon(await sim.enterRoom(100, 2)));
  results.set('room_exit', toAddon(await sim.exitRoom(100, 2)));
  results.set('room_topic_change', toAddon(await sim.setTopic(100, 1, 'Webhook check')));
  results.set('room_message', toAddon((await sim.sendMessage(100, 1, '/oncall')).deliveries));
  const created = await sim.createRoom({ name: 'Webhook check', ownerId: 1 });
  results.set('room_created', toAddon(created.deliveries));
  results.set('room_archived', toAddon(await sim.archiveRoom(created.roomId, 1)));
  results.set('room_unarchived', toAddon(await sim.unarchiveRoom(created.roomId, 1)));
  results.set('room_deleted', toAddon(await sim.deleteRoom(created.roomId, 1)));

  for (const event of ALL_EVENTS) {
    const deliveries = results.get(event) ?? [];
    if (!subscribed.has(event)) {
      assert.equal(deliveries.length, 0, `${event} is not in the descriptor, so nothing is delivered`);
      continue;
    }
    assert.equal(deliveries.length, 1, `${event} delivered once`);
    const [delivery] = deliveries;
    assert.ok(delivery!.status >= 200 && delivery!.status < 300, `${event}: the add-on answered ${delivery!.status} ${delivery!.body}`);
  }

  // The 2xx answers mean something: the same delivery with a JWT signed by another secret is refused.
  const forged = jwt.sign({ iss: oauthId, sub: '2', iat: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 60, context: { room_id: 100 } }, 'not-the-secret');
  const webhook = sim.installations.get(oauthId)!.webhooks.find((w) => w.event === 'room_enter')!;
  const refused = await request(webhook.url.replace(/\/webhooks\/.*/, ''))
    .post(`/webhooks/room_enter?signed_request=${forged}`)
    .send({ event: 'room_enter', item: { room: { id: 100, name: 'Ops War Room' }, sender: { id: 2, name: 'Bob Smith' } }, oauth_client_id: oauthId, webhook_id: 1 });
  assert.equal(refused.status, 401);
});

async function accessToken(oauthId: string, secret: string): Promise<string> {
  const res = await request(sim.apiUrl).post('/oauth/token').auth(oauthId, secret).type('form').send({ grant_type: 'client_credentials' }).expect(200);
  return res.body.access_token as string;
}
