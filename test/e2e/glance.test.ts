import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import type { Page } from 'playwright-core';
import type { Demo } from '../../sim/demo';
import { openPlusAction, startBrowserDemo, watchPageErrors, type BrowserDemo, type PageErrors } from '../helpers/browser';
import { waitFor } from '../helpers/wait';

// The room's glance and sidebar panel: Alice invites the Database group from the "+" dialog, the
// glance says who is coming, the panel lists the responder; Bob accepts in his xMatters inbox and the
// glance and the panel change without a reload; Bob enters the room and the panel says "joined".

const WAIT = { timeout: 20_000 };
const ADDON_NAME = 'xMatters On-Call Invite';
const ACTION_NAME = 'Invite on-call responders';
const SEND = '#dialog-buttons button[data-action="oncall-invite.send"]';
const ROOM_ID = 100;
const BOB = 2;
const SCREENSHOTS = new URL('../../docs/img/', import.meta.url);

let demo: Demo;
let page: Page;
let errors: PageErrors;
let e2e: BrowserDemo | undefined;

before(async () => {
  e2e = await startBrowserDemo('glance', { setUp: true });
  ({ demo, page, errors } = e2e);
  assert.ok(demo.setUp, 'xMatters is set up');
});
after(() => e2e?.close());

test('invite a group, the glance says who is coming, the panel follows the answers and the join without a reload', async () => {
  await page.goto(demo.roomUrl);
  const glance = page.locator('.glance[data-key="oncall-glance"]');
  await glance.locator('.glance-label', { hasText: 'On-call: no invites' }).waitFor(WAIT);
  assert.equal(await glance.locator('.lozenge').count(), 0, 'no invites: a quiet label');
  await page.evaluate(() => {
    (window as unknown as { marker: number }).marker = 42;
  });

  // The "+" dialog: the Database group, a description, Send Invite.
  await openPlusAction(page, ACTION_NAME, ADDON_NAME, true);
  const dialog = page.frameLocator('#dialog-body iframe');
  const input = dialog.getByRole('combobox', { name: 'xMatters recipients' });
  await input.click();
  await input.pressSequentially('Database', { delay: 30 });
  await dialog.getByRole('option').filter({ has: dialog.locator('.option-name', { hasText: /^Database$/ }) }).click();
  await dialog.locator('#chips .chip-label', { hasText: 'Database' }).waitFor(WAIT);
  const description = 'Checkout fails: primary DB at 100% CPU';
  await dialog.getByLabel('Description').fill(description);
  await page.locator(`${SEND}:not([disabled])`).waitFor(WAIT);
  await page.locator(SEND).click();
  await page.locator('#dialog-overlay').waitFor({ state: 'hidden', ...WAIT });

  // The glance, pushed by the add-on: Bob (on call for Database) is notified and has not answered.
  await glance.locator('.glance-label', { hasText: 'On-call: 0 coming · 1 waiting' }).waitFor(WAIT);
  assert.equal(await glance.locator('.lozenge-current').textContent(), 'WAITING');

  // The panel, opened from the glance.
  await glance.click();
  const authorize = page.getByRole('button', { name: `Authorize ${ADDON_NAME}` });
  if (await authorize.isVisible().catch(() => false)) {
    await authorize.click();
    await page.getByRole('button', { name: `Grant access to ${ADDON_NAME}` }).click();
  }
  await page.locator('#glance-view').waitFor(WAIT);
  const panel = page.frameLocator('#glance-view-body iframe');
  const invite = panel.locator('.invite', { hasText: description });
  await invite.waitFor(WAIT);
  await invite.locator('.recipient[data-target="Database"]').getByText('Database (group)').waitFor(WAIT);
  const bob = invite.locator('.recipient[data-target="bsmith"]');
  await bob.waitFor(WAIT);
  await waitFor(async () => ['sent', 'delivered'].includes((await bob.getAttribute('data-state').catch(() => null)) ?? ''), 'Bob is listed as notified');
  await panel.locator('#panel-status', { hasText: 'On-call: 0 coming · 1 waiting' }).waitFor(WAIT);
  assert.ok((await page.locator('#glance-view-body iframe').getAttribute('src'))?.startsWith(`${demo.addonUrl}/panel?signed_request=`));
  mkdirSync(SCREENSHOTS, { recursive: true });

  // Bob accepts in his xMatters inbox, in another tab.
  const inbox = await e2e!.browser.newPage();
  const inboxErrors = watchPageErrors(inbox, [demo.xmatters.baseUrl]);
  await inbox.goto(`${demo.xmatters.inboxUrl}/bsmith`);
  const card = inbox.locator('article.notification', { hasText: description });
  await card.waitFor(WAIT);
  await card.getByLabel('Comment (optional)').fill('on my way');
  await card.getByRole('button', { name: 'Accept' }).click();
  await inbox.getByRole('status').filter({ hasText: 'was sent.' }).waitFor(WAIT);
  await inbox.close();

  // Without a reload: the panel (polled) changes, and so does the glance (pushed) behind it.
  await panel.locator('.recipient[data-target="bsmith"][data-state="accepted"]').waitFor(WAIT);
  await panel.locator('#panel-status', { hasText: 'On-call: 1 coming' }).waitFor(WAIT);
  await page.locator('#glance-back').click();
  await page.locator('#glance-list').waitFor(WAIT);
  await glance.locator('.glance-label', { hasText: 'On-call: 1 coming' }).waitFor(WAIT);
  assert.equal(await glance.locator('.lozenge-success').textContent(), 'ANSWERED');
  await glance.click();
  await page.locator('#glance-view').waitFor(WAIT);
  await panel.locator('.recipient[data-target="bsmith"][data-state="accepted"]').waitFor(WAIT);

  // Bob enters the room: joined.
  await demo.hipchat.enterRoom(ROOM_ID, BOB);
  const joined = panel.locator('.recipient[data-target="bsmith"][data-state="joined"]');
  await joined.waitFor(WAIT);
  assert.equal(await joined.locator('.lozenge').textContent(), 'joined');
  assert.match((await joined.locator('.recipient-when').textContent()) ?? '', /^joined \d+ s ago$/);
  assert.equal(await page.evaluate(() => (window as unknown as { marker?: number }).marker), 42, 'no reload happened');

  // No list of next groups: the button says why it is off.
  const next = panel.locator('.invite', { hasText: description }).getByRole('button', { name: /Invite the next group/ });
  assert.equal(await next.isDisabled(), true);
  await panel.getByText('No groups to invite next are set').waitFor(WAIT);

  await page.locator('#glance-view').screenshot({ path: new URL('panel.png', SCREENSHOTS).pathname });
  await page.locator('#glance-back').click();
  await page.locator('#glance-list').waitFor(WAIT);
  await glance.locator('.glance-label', { hasText: 'On-call: 1 coming' }).waitFor(WAIT);
  await page.locator('#glances').screenshot({ path: new URL('glance.png', SCREENSHOTS).pathname });

  assert.deepEqual(errors.uncaught, [], 'uncaught errors in the pages');
  assert.deepEqual(errors.console, [], 'console errors from the add-on or HipChat pages');
  assert.deepEqual(inboxErrors.uncaught, []);
});
