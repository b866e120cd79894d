import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import express from 'express';
import jwt from 'jsonwebtoken';
import type { Browser, Page } from 'playwright-core';
import { startHipChatSim, type HipChatSim } from '../../sim/hipchat/server';
import { launchBrowser, watchPageErrors, type PageErrors } from '../helpers/browser';

const WAIT = { timeout: 15_000 };

/**
 * A throwaway add-on with two glances: one whose queryUrl answers with CORS for the HipChat origin and
 * opens a web panel, one whose queryUrl sends no CORS header (so HipChat's client shows its name).
 */
async function startGlanceAddon(hipchatBase: string) {
  const installs = new Map<string, string>();
  const hipchatOrigin = new URL(hipchatBase).origin;
  const app = express();
  app.use(express.json());
  app.get('/descriptor', (req, res) => {
    const base = `http://${req.headers.host}`;
    res.json({
      key: 'com.example.glance-probe',
      name: 'Glance Probe',
      description: 'Shows a glance and a web panel',
      links: { self: `${base}/descriptor` },
      capabilities: {
        hipchatApiConsumer: { scopes: ['view_room'] },
        installable: { callbackUrl: `${base}/installed` },
        glance: [
          { key: 'coming', name: { value: 'Who is coming' }, icon: { url: `${base}/icon.svg`, 'url@2x': `${base}/icon.svg` }, queryUrl: `${base}/glance`, target: 'coming-panel' },
          { key: 'quiet', name: { value: 'Quiet glance' }, icon: { url: `${base}/icon.svg`, 'url@2x': `${base}/icon.svg` }, queryUrl: `${base}/glance-no-cors` },
        ],
        webPanel: [{ key: 'coming-panel', name: { value: 'Coming' }, url: `${base}/panel`, location: 'hipchat.sidebar.right' }],
      },
    });
  });
  app.post('/installed', (req, res) => {
    installs.set(req.body.oauthId, req.body.oauthSecret);
    res.status(204).end();
  });
  app.get('/icon.svg', (_req, res) => {
    res.type('image/svg+xml').send('<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16"><circle cx="8" cy="8" r="7" fill="#205081"/></svg>');
  });
  app.get('/glance', (req, res) => {
    res.set('Access-Control-Allow-Origin', hipchatOrigin);
    const claims = jwt.decode(String(req.query.signed_request ?? '')) as jwt.JwtPayload | null;
    const secret = claims?.iss ? installs.get(String(claims.iss)) : undefined;
    if (!secret) return void res.status(401).end();
    jwt.verify(String(req.query.signed_request), secret, { algorithms: ['HS256'] });
    res.json({ label: { type: 'html', value: `<b>0</b> coming to room ${claims?.context?.room_id}` }, status: { type: 'lozenge', value: { label: 'NONE', type: 'default' } } });
  });
  app.get('/glance-no-cors', (_req, res) => {
    res.json({ label: { type: 'html', value: 'never shown' } });
  });
  app.get('/panel', (_req, res) => {
    res.type('html').send(`<!doctype html><html><head><meta charset="utf-8"><script src="${hipchatBase}/atlassian-connect/all.js"></script><script src="/panel.js" defer></script></head>
<body><p id="room">…</p><button id="close" type="button">Close panel</button></body></html>`);
  });
  app.get('/panel.js', (_req, res) => {
    res.type('js').send(`
HipChat.room.getRoomDetails((err, room) => { document.getElementById('room').textContent = err ? 'error: ' + err.message : 'Panel for ' + room.name; });
document.getElementById('close').addEventListener('click', () => HipChat.sidebar.closeView());
`);
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, installs, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

let sim: HipChatSim;
let addon: Awaited<ReturnType<typeof startGlanceAddon>>;
let browser: Browser;
let page: Page;
let errors: PageErrors;

before(async () => {
  sim = await startHipChatSim();
  addon = await startGlanceAddon(sim.baseUrl);
  const outcome = await sim.install(`${addon.url}/descriptor`);
  assert.ok(outcome.installation, outcome.body);
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  errors = watchPageErrors(page, [sim.baseUrl, addon.url]);
});

after(async () => {
  await browser?.close();
  await addon?.close();
  await sim?.close();
});

test('glances in the room sidebar: queried cross-origin, updated by a push without a reload, opening a web panel', async () => {
  await page.goto(`${sim.baseUrl}/chat/room/100`);
  const coming = page.locator('.glance[data-key="coming"]');
  await coming.locator('.glance-label', { hasText: '0 coming to room 100' }).waitFor(WAIT);
  assert.equal(await coming.locator('.glance-label b').textContent(), '0');
  assert.equal(await coming.locator('.lozenge').textContent(), 'NONE');
  const quiet = page.locator('.glance[data-key="quiet"]');
  await page.locator('.glance[data-key="quiet"][data-state="failed"]').waitFor(WAIT);
  assert.equal(await quiet.locator('.glance-label').textContent(), 'Quiet glance', 'without CORS the name shows');

  await page.evaluate(() => {
    (window as unknown as { marker: number }).marker = 7;
  });
  const [oauthId, secret] = [...addon.installs][0] ?? [];
  const grant = await fetch(`${sim.apiUrl}/oauth/token`, {
    method: 'POST',
    headers: { Authorization: `Basic ${Buffer.from(`${oauthId}:${secret}`).toString('base64')}`, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials',
  });
  const { access_token: token } = (await grant.json()) as { access_token: string };
  const pushed = await fetch(`${sim.apiUrl}/addon/ui/room/100`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ glance: [{ key: 'coming', content: { label: { type: 'html', value: '<b>2</b> coming' }, status: { type: 'lozenge', value: { label: 'ON IT', type: 'success' } } } }] }),
  });
  assert.equal(pushed.status, 204);
  await coming.locator('.lozenge-success', { hasText: 'ON IT' }).waitFor(WAIT);
  assert.equal(await coming.locator('.glance-label').textContent(), '2 coming');
  assert.equal(await page.evaluate(() => (window as unknown as { marker?: number }).marker), 7, 'no reload happened');

  await coming.click();
  await page.getByRole('button', { name: 'Authorize Glance Probe' }).click();
  await page.getByRole('button', { name: 'Grant access to Glance Probe' }).click();
  await page.locator('#glance-view').waitFor(WAIT);
  assert.equal(await page.locator('#glance-view-title').textContent(), 'Coming');
  const panel = page.frameLocator('#glance-view-body iframe');
  await panel.locator('#room', { hasText: 'Panel for Ops War Room' }).waitFor(WAIT);
  assert.ok((await page.locator('#glance-view-body iframe').getAttribute('src'))?.startsWith(`${addon.url}/panel?signed_request=`));
  await panel.getByRole('button', { name: 'Close panel' }).click();
  await page.locator('#glance-list').waitFor(WAIT);
  assert.equal(await page.locator('#glance-view').isHidden(), true);

  assert.deepEqual(errors.uncaught, []);
  assert.deepEqual(
    errors.console.filter((line) => !line.includes('/glance-no-cors')),
    [],
    'only the glance without CORS is refused by the browser',
  );
});
