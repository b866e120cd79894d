import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import type { Demo } from '../../sim/demo';
import { startBrowserDemo, switchUser, type BrowserDemo, type PageErrors } from '../helpers/browser';

// The configure tab, walked as an admin would in the HipChat simulator's web
// client: wrong password, right password, Invite to Room URL, Save Settings, reload, and a non-admin.

const WAIT = { timeout: 15_000 };
const ADDON_NAME = 'xMatters On-Call Invite';

let demo: Demo;
let page: Page;
let errors: PageErrors;
let e2e: BrowserDemo | undefined;

before(async () => {
  e2e = await startBrowserDemo('configure');
  ({ demo, page, errors } = e2e);
});
after(() => e2e?.close());

test('an admin tests the xMatters credentials, saves the settings, sees them again; a non-admin only reads them', async () => {
  const { xmatters } = demo;
  await page.goto(demo.roomUrl);
  await page.getByRole('heading', { name: 'Ops War Room' }).waitFor(WAIT);

  // Integrations → the add-on's row → Configure: the add-on's page in an iframe.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Integrations', exact: true }).click();
  const row = page.locator('.installed-row', { hasText: ADDON_NAME });
  await row.getByText('Room: Ops War Room').waitFor(WAIT);
  const oauthId = await row.getAttribute('data-oauth-id');
  assert.ok(oauthId, 'the installed row names its oauthId');
  await row.getByRole('link', { name: 'Configure' }).click();
  await page.getByRole('heading', { name: ADDON_NAME }).waitFor(WAIT);
  const frame = page.frameLocator('#configure-frame');
  await frame.getByRole('heading', { name: 'xMatters settings' }).waitFor(WAIT);

  const hostname = frame.getByLabel('xMatters hostname');
  const username = frame.getByLabel('Username', { exact: true });
  const password = frame.getByLabel('Password', { exact: true });
  const inviteUrl = frame.getByLabel('Invite to Room URL');
  const testButton = frame.getByRole('button', { name: 'Test Authentication' });
  const saveButton = frame.getByRole('button', { name: 'Save Settings' });
  assert.equal(await inviteUrl.isVisible(), false, 'the Invite to Room URL waits for a successful test');

  // A wrong password: xMatters answers 401 and the page says so.
  await hostname.click();
  await hostname.pressSequentially(xmatters.baseUrl);
  await username.click();
  await username.pressSequentially('hipchat');
  await password.click();
  await password.pressSequentially('not-the-password');
  await testButton.click();
  const refused = frame.getByText(/refused the username or password/i);
  await refused.waitFor(WAIT);
  const refusal = (await refused.textContent()) ?? '';
  assert.match(refusal, /401/, refusal);
  assert.match(refusal, /credentials|password/i, refusal);
  assert.equal(await inviteUrl.isVisible(), false, 'no Invite to Room URL after a failed test');
  assert.equal(await saveButton.isVisible(), false, 'no Save Settings after a failed test');

  // The right password: success names the integration user, and the Invite to Room URL appears.
  await password.click();
  await password.press('ControlOrMeta+a');
  await password.press('Backspace');
  await password.pressSequentially(xmatters.credentials.password);
  await testButton.click();
  const success = frame.locator('#test-result.banner-success');
  await success.waitFor(WAIT);
  assert.match((await success.textContent()) ?? '', /Integration User/);
  assert.equal(await refused.isVisible(), false, 'the 401 sentence is gone after a successful test');
  await inviteUrl.waitFor({ state: 'visible', ...WAIT });

  // Paste the Invite to Room URL, Save Settings: success, and the callback credentials shown once.
  await inviteUrl.click();
  await inviteUrl.fill(xmatters.inviteUrl);
  await saveButton.click();
  await frame.locator('#save-result.banner-success').filter({ hasText: 'Settings saved' }).waitFor(WAIT);
  await frame.getByText('Copy this password now.').waitFor(WAIT);
  const callbackUsername = ((await frame.locator('#callback-username').textContent()) ?? '').trim();
  const callbackPassword = ((await frame.locator('#callback-password').textContent()) ?? '').trim();
  assert.ok(callbackUsername.length > 0, 'the callback username is shown');
  assert.ok(callbackPassword.length >= 16, `the callback password is shown (${callbackPassword.length} characters)`);
  assert.equal(await frame.locator('#callback-url').textContent(), `${demo.addonUrl}/xmatters/callbacks`);
  assert.equal(await password.inputValue(), '', 'the password field is emptied after saving');
  // The credentials shown are the ones the add-on accepts on its callback URL.
  const probe = await fetch(`${demo.addonUrl}/xmatters/callbacks`, {
    method: 'POST',
    headers: { Authorization: `Basic ${Buffer.from(`${callbackUsername}:${callbackPassword}`).toString('base64')}`, 'Content-Type': 'application/json' },
    body: '{}',
  });
  assert.notEqual(probe.status, 401, 'the callback credentials shown on the page are accepted');

  // Reload the tab: the saved settings, no password anywhere, the callback password not shown again.
  await page.reload();
  await frame.getByRole('heading', { name: 'xMatters settings' }).waitFor(WAIT);
  await frame.getByText('A password is saved. Leave this empty to keep it.').waitFor(WAIT);
  assert.equal(await hostname.inputValue(), xmatters.baseUrl);
  assert.equal(await username.inputValue(), 'hipchat');
  assert.equal(await password.inputValue(), '', 'the saved password is never put back into the field');
  assert.equal(await inviteUrl.inputValue(), xmatters.inviteUrl);
  assert.ok(await inviteUrl.isVisible(), 'the Invite to Room URL shows once settings are saved');
  assert.ok(await saveButton.isVisible());
  await frame.locator('#verified-as').filter({ hasText: 'Integration User' }).waitFor(WAIT);
  await frame.locator('#updated-by').filter({ hasText: 'by Alice Admin' }).waitFor(WAIT);
  assert.equal(await frame.locator('#callback-secret').isVisible(), false, 'the callback password is shown only once');
  assert.equal(((await frame.locator('#callback-username').textContent()) ?? '').trim(), callbackUsername);
  const configureFrame = page.frame({ url: (url) => url.href.startsWith(`${demo.addonUrl}/configure`) });
  assert.ok(configureFrame, 'the configure frame is found');
  const frameSource = await configureFrame.content();
  const rawSource = await (await fetch(configureFrame.url())).text();
  for (const [what, source] of [['the frame DOM', frameSource], ['the page source', rawSource], ['the HipChat page', await page.content()]] as const) {
    assert.ok(!source.includes(xmatters.credentials.password), `${what} contains the xMatters password`);
    assert.ok(!source.includes(callbackPassword), `${what} contains the callback password`);
  }
  assert.ok(rawSource.includes(xmatters.inviteUrl), 'the raw page source is the saved page (sanity check)');

  // Bob Smith is not a group admin, nor the owner of Ops War Room.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Integrations', exact: true }).click();
  await switchUser(page, 'Bob Smith');
  await page.getByText('Only group admins can install or uninstall integrations').waitFor(WAIT);
  await row.getByText('Room: Ops War Room').waitFor(WAIT);
  assert.equal(await row.getByRole('link', { name: 'Configure' }).count(), 0, 'HipChat offers Bob no Configure tab');
  // Typing the configure tab's address: HipChat itself refuses.
  const refusedTab = await page.goto(`${demo.hipchat.baseUrl}/addons/${oauthId}/configure`);
  assert.equal(refusedTab?.status(), 403);
  await page.getByText(/Only group admins .*can configure xMatters On-Call Invite/).waitFor(WAIT);

  // The add-on's own page for a non-admin (a HipChat-signed URL for Bob, as HipChat would frame it):
  // read-only, saying who may change it, with no form and no Save button.
  await page.goto(demo.hipchat.pageUrl(oauthId, `${demo.addonUrl}/configure`, { userId: 2, roomId: 100 }));
  await page.getByRole('heading', { name: 'xMatters settings' }).waitFor(WAIT);
  const rule = page.getByRole('status').filter({ hasText: 'You can view these settings.' });
  await rule.waitFor(WAIT);
  assert.match((await rule.textContent()) ?? '', /Only a HipChat group admin or the room owner can change these settings \(ask Alice Admin\)/);
  assert.equal(await page.getByRole('button', { name: 'Save Settings' }).count(), 0, 'no Save Settings button');
  assert.equal(await page.getByRole('button', { name: 'Test Authentication' }).count(), 0, 'no Test Authentication button');
  assert.equal(await page.getByRole('button', { name: /Regenerate/ }).count(), 0, 'no Regenerate button');
  assert.equal(await page.locator('input, textarea, select').count(), 0, 'no form fields');
  const details = page.locator('dl.details').first();
  await details.getByText(xmatters.baseUrl, { exact: true }).waitFor(WAIT);
  await details.getByText('hipchat', { exact: true }).waitFor(WAIT);
  await details.getByText(xmatters.inviteUrl, { exact: true }).waitFor(WAIT);
  const readOnlySource = await page.content();
  assert.ok(!readOnlySource.includes(xmatters.credentials.password), 'the read-only page contains the xMatters password');
  assert.ok(!readOnlySource.includes(callbackPassword), 'the read-only page contains the callback password');

  assert.deepEqual(errors.uncaught, [], 'uncaught errors in the pages');
  assert.deepEqual(errors.console, [], 'console errors from the add-on or HipChat pages');
});
