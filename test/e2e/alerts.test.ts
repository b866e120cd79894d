import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FrameLocator, Page } from 'playwright-core';
import type { Demo } from '../../sim/demo';
import { alertPayload } from '../helpers/alerts';
import { startBrowserDemo, type BrowserDemo, type PageErrors } from '../helpers/browser';

// An admin adds an alert source on the configure tab in the HipChat simulator's web client, sees a
// template error before anything is saved, creates a Soda Cloud source, copies its secret (shown once),
// sends a test event, and the room shows it; the secret then takes a real Soda Cloud event.

const WAIT = { timeout: 15_000 };
const ADDON_NAME = 'xMatters On-Call Invite';
const ROOM = 100;

let demo: Demo;
let page: Page;
let errors: PageErrors;
let e2e: BrowserDemo | undefined;

before(async () => {
  e2e = await startBrowserDemo('alerts');
  ({ demo, page, errors } = e2e);
});
after(() => e2e?.close());

async function openConfigureTab(): Promise<FrameLocator> {
  await page.goto(demo.roomUrl);
  await page.getByRole('heading', { name: 'Ops War Room' }).waitFor(WAIT);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Integrations', exact: true }).click();
  const row = page.locator('.installed-row', { hasText: ADDON_NAME });
  await row.getByRole('link', { name: 'Configure' }).click();
  const frame = page.frameLocator('#configure-frame');
  await frame.getByRole('heading', { name: 'Alert sources' }).waitFor(WAIT);
  await frame.locator('#alerts-loading').waitFor({ state: 'hidden', ...WAIT });
  return frame;
}

test('an admin creates an alert source, sends a test event, and the room shows it', async () => {
  const frame = await openConfigureTab();
  const alerts = frame.locator('#alerts-section');
  await alerts.getByText('No alert sources yet.').waitFor(WAIT);
  await alerts.getByRole('button', { name: 'Add alert source' }).click();
  const name = alerts.getByLabel('Name', { exact: true });
  await name.fill('Checkout monitors');
  await alerts.getByLabel('Kind').selectOption({ label: 'Generic JSON' });

  // A template error is shown under its field, and nothing is created.
  await alerts.getByLabel('Message template').fill('{{TriggerType}}: {{Name');
  await alerts.getByRole('button', { name: 'Create source' }).click();
  const templateError = alerts.locator('#template-message-error');
  await templateError.waitFor({ state: 'visible', ...WAIT });
  assert.match((await templateError.textContent()) ?? '', /The template has "\{\{" at character 18 without a closing "\}\}"/);
  assert.equal(await alerts.getByLabel('Message template').getAttribute('aria-invalid'), 'true');
  assert.equal(await alerts.locator('#source-list li').count(), 0, 'nothing was created');

  // Soda Cloud instead: its messages are built in.
  await alerts.getByLabel('Kind').selectOption({ label: 'Soda Cloud' });
  await name.fill('Soda Cloud');
  assert.equal(await alerts.getByLabel('Message template').isVisible(), false, 'no template for Soda Cloud');
  await alerts.getByRole('button', { name: 'Create source' }).click();
  await alerts.locator('#source-save-result.banner-success').filter({ hasText: 'Alert source created.' }).waitFor(WAIT);
  await alerts.getByText('Copy the secret now.').waitFor(WAIT);
  const secretUrl = ((await alerts.locator('#secret-url').textContent()) ?? '').trim();
  const bearer = ((await alerts.locator('#secret-bearer').textContent()) ?? '').trim();
  assert.match(secretUrl, new RegExp(`^${demo.addonUrl}/alerts/[0-9a-f-]{36}/[A-Za-z0-9_-]{43}$`));
  assert.match(bearer, /^Authorization: Bearer [A-Za-z0-9_-]{43}$/);
  const item = alerts.locator('#source-list li', { hasText: 'Soda Cloud' });
  await item.getByText('Ops War Room').waitFor(WAIT);
  const intakeUrl = ((await item.locator('code').textContent()) ?? '').trim();
  assert.equal(secretUrl.slice(0, intakeUrl.length), intakeUrl);

  // Try it: the preview, then a test event of Soda Cloud's failed check.
  await alerts.getByLabel('Sample').selectOption({ label: 'checkEvaluation: fail' });
  await alerts.getByRole('button', { name: 'Preview' }).click();
  const preview = alerts.locator('#preview-result');
  await preview.locator('pre', { hasText: 'Soda check failed: count same as SODATEST_RAWCUSTOMERS_7275c02c in postgres2' }).waitFor(WAIT);
  assert.match((await preview.locator('p').first().textContent()) ?? '', /^Room: Ops War Room \(no rule matched: the first room\)$/);
  await alerts.getByRole('button', { name: 'Send test event' }).click();
  await alerts.locator('#test-event-result.banner-success').filter({ hasText: 'Test event sent to Ops War Room.' }).waitFor(WAIT);

  // The room shows it: HipChat's client shows the card, with a link back to the check.
  await page.goto(demo.roomUrl);
  const shown = page.locator('#timeline li.item-notification', { hasText: 'Test event: Check failed: count same as SODATEST_RAWCUSTOMERS_7275c02c in postgres2' });
  await shown.waitFor({ timeout: 20_000 });
  assert.equal(await shown.getByRole('link', { name: /Check failed/ }).getAttribute('href'), 'https://cloud.soda.io/checks/39d706c3-5a48-b');
  await shown.getByText('bnm_orders').waitFor(WAIT);
  const text = 'Test event: Soda check failed: count same as SODATEST_RAWCUSTOMERS_7275c02c in postgres2 on bnm_orders (sodaspark)';
  const notification = demo.hipchat.notifications(ROOM).find((n) => n.message.startsWith(text));
  assert.ok(notification, 'HipChat has the notification');
  assert.equal(notification.color, 'red');
  assert.equal(notification.from, 'Soda Cloud');

  // The secret shown works for Soda Cloud itself, in its documented header form.
  const posted = await fetch(intakeUrl, {
    method: 'POST',
    headers: { Authorization: bearer.replace(/^Authorization: Bearer /, 'bearer '), 'Content-Type': 'application/json' },
    body: JSON.stringify(alertPayload('soda-cloud/incident-created.json')),
  });
  assert.equal(posted.status, 200, await posted.text());
  await page.locator('#timeline li.item-notification', { hasText: 'Incident #196 opened: Invalid customer ids' }).waitFor({ timeout: 20_000 });

  // Back on the tab: the source is listed, the secret is not shown again, nowhere in the page.
  const again = await openConfigureTab();
  await again.locator('#source-list li', { hasText: 'Soda Cloud' }).waitFor(WAIT);
  assert.equal(await again.locator('#source-secret').isVisible(), false);
  const secret = secretUrl.split('/').at(-1)!;
  const configureFrame = page.frame({ url: (url) => url.href.startsWith(`${demo.addonUrl}/configure`) });
  assert.ok(configureFrame);
  assert.ok(!(await configureFrame.content()).includes(secret), 'the secret is in the reloaded tab');

  assert.deepEqual(errors.uncaught, [], 'uncaught errors in the pages');
  assert.deepEqual(errors.console, [], 'console errors from the add-on or HipChat pages');
});
