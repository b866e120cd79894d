import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import jwt from 'jsonwebtoken';
import type { Browser, Page } from 'playwright-core';
import { startDemo, type Demo } from '../../sim/demo';
import { launchBrowser } from '../helpers/browser';

const WAIT = { timeout: 15_000 };

/**
 * A throwaway add-on that exercises the JavaScript API: its dialog page loads all.js from the
 * simulator, shows a token, the user and the room, enables the primary action and shows the
 * dialog-button-click it receives. A second dialog registers nothing.
 */
async function startProbe(hipchatBase: string) {
  const installs = new Map<string, string>();
  const app = express();
  app.use(express.json());
  const descriptor = (base: string) => ({
    key: 'com.example.js-probe',
    name: 'JS Probe',
    description: 'Checks the HipChat JavaScript API',
    links: { self: `${base}/descriptor`, homepage: base },
    capabilities: {
      hipchatApiConsumer: { scopes: ['send_notification', 'view_room'], fromName: 'JS Probe' },
      installable: { callbackUrl: `${base}/installed`, allowRoom: true, allowGlobal: true },
      dialog: [
        {
          key: 'probe-dialog',
          title: { value: 'JS Probe' },
          url: `${base}/dialog`,
          options: {
            size: { width: '520px', height: '360px' },
            hint: { value: 'Nothing is sent anywhere' },
            primaryAction: { key: 'probe.run', name: { value: 'Run' }, enabled: false },
            secondaryActions: [{ key: 'probe.close', name: { value: 'Close' } }],
          },
        },
        { key: 'plain-dialog', title: { value: 'Plain' }, url: `${base}/plain`, options: { secondaryActions: [{ key: 'plain.cancel', name: { value: 'Cancel' } }] } },
      ],
      action: [
        { key: 'probe-action', name: { value: 'Run the JS probe' }, target: 'probe-dialog', location: 'hipchat.input.action' },
        { key: 'plain-action', name: { value: 'Open a plain dialog' }, target: 'plain-dialog', location: 'hipchat.input.action' },
      ],
    },
  });
  const pageHtml = (script: string) => `<!doctype html><html><head><meta charset="utf-8">
<link rel="stylesheet" href="${hipchatBase}/atlassian-connect/all.css">
<script src="${hipchatBase}/atlassian-connect/all.js"></script>
<script src="/${script}" defer></script></head>
<body><h1>JS Probe</h1><dl><dt>Token</dt><dd id="token">…</dd><dt>User</dt><dd id="user">…</dd><dt>Room</dt><dd id="room">…</dd><dt>Clicked</dt><dd id="clicked">nothing</dd></dl>
<iframe id="nested" src="/nested" title="nested"></iframe></body></html>`;
  app.get('/descriptor', (req, res) => {
    res.json(descriptor(`http://${req.headers.host}`));
  });
  app.post('/installed', (req, res) => {
    installs.set(req.body.oauthId, req.body.oauthSecret);
    res.status(204).end();
  });
  app.get('/dialog', (_req, res) => {
    res.type('html').send(pageHtml('probe.js'));
  });
  app.get('/plain', (_req, res) => {
    res.type('html').send(pageHtml('plain.js'));
  });
  // A frame inside the dialog's frame tells HipChat to retitle the dialog: only the dialog's own frame is obeyed.
  app.get('/nested', (_req, res) => {
    res.type('html').send('<!doctype html><p id="answer">waiting</p><script src="/nested.js"></script>');
  });
  app.get('/nested.js', (_req, res) => {
    res.type('js').send(`
window.top.postMessage({ ns: 'hipchat-connect', kind: 'call', id: 1, method: 'dialog.update', args: { title: 'Hijacked' } }, ${JSON.stringify(new URL(hipchatBase).origin)});
document.getElementById('answer').textContent = 'sent';
`);
  });
  app.get('/plain.js', (_req, res) => {
    res.type('js').send("document.getElementById('clicked').textContent = typeof HipChat;");
  });
  app.get('/probe.js', (_req, res) => {
    res.type('js').send(`
const show = (id, text) => { document.getElementById(id).textContent = text; };
HipChat.register({
  'dialog-button-click': (event, closeDialog) => {
    show('clicked', event.action);
    if (event.action === 'probe.close') closeDialog(true);
  },
});
HipChat.auth.withToken((err, token) => {
  show('token', err ? 'error: ' + err.message : token);
  if (!err) HipChat.dialog.updatePrimaryAction({ enabled: true });
});
HipChat.user.getCurrentUser((err, user) => show('user', err ? 'error: ' + err.message : user.name + ' @' + user.mention_name));
HipChat.room.getRoomDetails((err, room) => show('room', err ? 'error: ' + err.message : room.name));
`);
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, descriptorUrl: `${url}/descriptor`, installs, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

let demo: Demo;
let probe: Awaited<ReturnType<typeof startProbe>>;
let browser: Browser;
let page: Page;
let dataDir: string | undefined;

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'e2e-demo-'));
  demo = await startDemo({ ports: { hipchat: 0, xmatters: 0, addon: 0 }, dataDir: dataDir, installRoomId: null, logLevel: 'silent' });
  probe = await startProbe(demo.hipchat.baseUrl);
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
});

after(async () => {
  await browser?.close();
  await probe?.close();
  await demo?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** Integrations → descriptor URL → review → Approve, as Alice Admin. */
async function installThroughUi(descriptorUrl: string, where: { roomName: string } | 'global'): Promise<void> {
  await page.getByRole('link', { name: 'Integrations', exact: true }).click();
  await page.getByLabel('Descriptor URL', { exact: true }).fill(descriptorUrl);
  await page.getByRole('button', { name: 'Install', exact: true }).click();
  await page.getByRole('heading', { name: /^Install / }).waitFor(WAIT);
  if (where === 'global') {
    await page.getByLabel('Every room (global)').check();
  } else {
    await page.getByLabel('One room:').check();
    await page.getByLabel('Room', { exact: true }).selectOption({ label: where.roomName });
  }
  await page.getByRole('button', { name: 'Approve' }).click();
  await page.locator('.notice-success').filter({ hasText: 'is installed' }).waitFor(WAIT);
}

/** "+" → the action → "Authorize …" → "Grant access to …" (asked only the first time). */
async function openAction(actionName: string, addonName: string, firstUse: boolean): Promise<void> {
  await page.locator('#plus-button').click();
  await page.getByRole('menuitem', { name: new RegExp(actionName) }).click();
  if (firstUse) {
    await page.getByRole('heading', { name: `Authorize ${addonName}` }).waitFor(WAIT);
    await page.getByRole('button', { name: `Authorize ${addonName}` }).click();
    await page.getByRole('heading', { name: `Grant access to ${addonName}` }).waitFor(WAIT);
    await page.getByRole('button', { name: `Grant access to ${addonName}` }).click();
  }
  await page.locator('#dialog-body iframe').waitFor(WAIT);
}

test('a newcomer installs our add-on from its descriptor, opens its configure tab and its + dialog', async () => {
  await page.goto(demo.roomUrl);
  await page.getByRole('heading', { name: 'Ops War Room' }).waitFor(WAIT);
  await installThroughUi(demo.descriptorUrl, { roomName: 'Ops War Room' });
  const row = page.locator('.installed-row', { hasText: 'xMatters On-Call Invite' });
  await row.getByText('Room: Ops War Room').waitFor(WAIT);

  await row.getByRole('link', { name: 'Configure' }).click();
  const configure = page.frameLocator('#configure-frame');
  await configure.getByLabel(/hostname/i).first().waitFor(WAIT);

  await page.getByRole('navigation', { name: 'Rooms' }).getByRole('link', { name: 'Ops War Room' }).click();
  await openAction('Invite on-call responders', 'xMatters On-Call Invite', true);
  assert.equal(await page.locator('#dialog-title').textContent(), 'Invite on-call responders');
  const send = page.locator('#dialog-buttons button[data-action="oncall-invite.send"]');
  assert.equal(await send.textContent(), 'Send Invite');
  assert.ok(await send.evaluate((node) => node.classList.contains('button-primary')));
  assert.ok(await page.locator('#dialog-buttons button[data-action="oncall-invite.cancel"]').isVisible());
  assert.equal(await page.locator('#dialog-hint').textContent(), 'Responders are notified through xMatters');
  await page.frameLocator('#dialog-body iframe').locator('body').waitFor(WAIT);
  const src = await page.locator('#dialog-body iframe').getAttribute('src');
  assert.ok(src?.startsWith(`${demo.addonUrl}/invite/dialog?signed_request=`));
  await page.locator('#dialog-close').click();
  await page.locator('#dialog-overlay').waitFor({ state: 'hidden', ...WAIT });

  await openAction('Invite on-call responders', 'xMatters On-Call Invite', false);
  await page.locator('#dialog-close').click();
});

test('the JavaScript API works end to end for a throwaway add-on installed globally', async () => {
  await installThroughUi(probe.descriptorUrl, 'global');
  await page.getByRole('navigation', { name: 'Rooms' }).getByRole('link', { name: 'Ops War Room' }).click();
  await openAction('Run the JS probe', 'JS Probe', true);
  const frame = page.frameLocator('#dialog-body iframe');

  const run = page.locator('#dialog-buttons button[data-action="probe.run"]');
  await page.locator('#dialog-buttons button[data-action="probe.run"]:not([disabled])').waitFor(WAIT);
  await frame.locator('#token').filter({ hasText: /^ey/ }).waitFor(WAIT);
  const token = (await frame.locator('#token').textContent()) ?? '';
  const [oauthId, secret] = [...probe.installs][0] ?? [];
  const claims = jwt.verify(token, secret ?? '', { algorithms: ['HS256'] }) as jwt.JwtPayload;
  assert.equal(claims.iss, oauthId);
  assert.equal(claims.sub, '1');
  assert.equal(claims.context.room_id, 100);
  await frame.locator('#user').filter({ hasText: 'Alice Admin @alice' }).waitFor(WAIT);
  await frame.locator('#room').filter({ hasText: 'Ops War Room' }).waitFor(WAIT);
  await frame.frameLocator('#nested').locator('#answer').filter({ hasText: 'sent' }).waitFor(WAIT);

  await run.click();
  await frame.locator('#clicked').filter({ hasText: 'probe.run' }).waitFor(WAIT);
  assert.equal(await page.locator('#dialog-title').textContent(), 'JS Probe', 'a frame inside the dialog frame is not obeyed');
  assert.ok(await page.locator('#dialog-overlay').isVisible(), 'the page did not ask to close');
  await page.locator('#dialog-buttons button[data-action="probe.close"]').click();
  await page.locator('#dialog-overlay').waitFor({ state: 'hidden', ...WAIT });

  await openAction('Open a plain dialog', 'JS Probe', false);
  await page.frameLocator('#dialog-body iframe').locator('#clicked').filter({ hasText: 'object' }).waitFor(WAIT);
  await page.locator('#dialog-buttons button[data-action="plain.cancel"]').click();
  await page.locator('#dialog-overlay').waitFor({ state: 'hidden', ...WAIT });
});

test('notifications posted by an add-on appear in the open room without a reload', async () => {
  const [oauthId, secret] = [...probe.installs][0] ?? [];
  const grant = await fetch(`${demo.hipchat.apiUrl}/oauth/token`, {
    method: 'POST',
    headers: { Authorization: `Basic ${Buffer.from(`${oauthId}:${secret}`).toString('base64')}`, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials',
  });
  const { access_token: token } = (await grant.json()) as { access_token: string };
  const marker = await page.evaluate(() => {
    (window as unknown as { marker: number }).marker = 42;
    return 42;
  });
  const res = await fetch(`${demo.hipchat.apiUrl}/room/100/notification`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ message: 'Probe says <b>hello</b>', color: 'purple' }),
  });
  assert.equal(res.status, 204);
  await page.locator('#timeline .color-purple', { hasText: 'Probe says hello' }).waitFor(WAIT);
  assert.equal(await page.evaluate(() => (window as unknown as { marker?: number }).marker), marker, 'no reload happened');
});

test('switching to a non-admin user: no install form, and a private room stays closed', async () => {
  await page.goto(demo.roomUrl);
  await page.getByLabel('Signed in as').selectOption({ label: 'Bob Smith' });
  await page.getByText('Bob Smith (you)').waitFor(WAIT);
  await page.getByRole('link', { name: 'Integrations', exact: true }).click();
  await page.getByText('Only group admins can install or uninstall integrations').waitFor(WAIT);
  assert.equal(await page.getByLabel('Descriptor URL', { exact: true }).count(), 0);
  await page.getByRole('navigation', { name: 'Rooms' }).getByRole('link', { name: 'Incident 42' }).click();
  await page.getByText('You are not a member of this private room').waitFor(WAIT);
});
