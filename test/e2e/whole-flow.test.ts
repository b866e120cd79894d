import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startDemo, type Demo } from '../../sim/demo';
import { launchBrowser, openPlusAction, switchUser, watchPageErrors, type PageErrors } from '../helpers/browser';

// The whole flow of xMatters' "Connect app for HipChat" article, in a browser: install into a
// private room, configure with Test Authentication, download the communication plan, import it on the
// xMatters Developer tab with the permissions and the callback password, paste its Invite to Room URL,
// invite the Database group from the "+" dialog, the on-call responder accepts in xMatters with a
// comment, the answer comes back through the plan's outbound integrations, and the responder, invited
// into the private room, enters it.

const WAIT = { timeout: 15_000 };
const ADDON_NAME = 'xMatters On-Call Invite';
const ACTION_NAME = 'Invite on-call responders';
const ROOM_ID = 101;
const ROOM_NAME = 'Incident 42';
const BOB = 2;

let demo: Demo;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let errors: PageErrors;
let dataDir: string | undefined;

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'e2e-whole-flow-'));
  demo = await startDemo({ ports: { hipchat: 0, xmatters: 0, addon: 0 }, dataDir, installRoomId: null, logLevel: 'silent' });
  browser = await launchBrowser();
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  errors = watchPageErrors(page, [demo.addonUrl, demo.hipchat.baseUrl]);
});

after(async () => {
  await browser?.close();
  await demo?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** A panel of the room's right-hand column, by its heading. */
const panel = (page: Page, heading: RegExp) => page.locator('#aside section.panel', { has: page.getByRole('heading', { name: heading }) });

test('install into a private room, configure, invite Database, bsmith accepts in xMatters, is invited and joins', async () => {
  const { xmatters } = demo;
  const incident = demo.hipchat.state.rooms.get(ROOM_ID);
  assert.ok(incident && incident.privacy === 'private', 'Incident 42 is a private room');
  assert.ok(!incident.members.has(BOB), 'Bob is not a member of Incident 42 yet');
  assert.equal(demo.hipchat.installations.size, 0, 'nothing is installed');

  // Bob cannot open Incident 42 yet.
  await page.goto(demo.roomUrl);
  await switchUser(page, 'Bob Smith');
  await page.getByRole('navigation', { name: 'Rooms' }).getByRole('link', { name: ROOM_NAME }).click();
  await page.getByText('You are not a member of this private room').waitFor(WAIT);
  await switchUser(page, 'Alice Admin (admin)');

  // Alice Admin: Integrations → descriptor URL → Install → one room, Incident 42 → Approve.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Integrations', exact: true }).click();
  await page.getByText('Nothing is installed yet.').waitFor(WAIT);
  await page.getByLabel('Descriptor URL', { exact: true }).fill(demo.descriptorUrl);
  await page.getByRole('button', { name: 'Install', exact: true }).click();
  await page.getByRole('heading', { name: `Install ${ADDON_NAME}` }).waitFor(WAIT);
  await page.getByLabel('One room:').check();
  await page.getByLabel('Room', { exact: true }).selectOption({ label: `${ROOM_NAME} (private)` });
  await page.getByRole('button', { name: 'Approve' }).click();
  await page.locator('.notice-success').filter({ hasText: 'is installed' }).waitFor(WAIT);
  const row = page.locator('.installed-row', { hasText: ADDON_NAME });
  await row.getByText(`Room: ${ROOM_NAME}`).waitFor(WAIT);
  const installation = [...demo.hipchat.installations.values()][0];
  assert.equal(installation?.roomId, ROOM_ID);

  // Configure: hostname, integration user, Test Authentication, Save Settings (the connection first).
  await row.getByRole('link', { name: 'Configure' }).click();
  const configure = page.frameLocator('#configure-frame');
  await configure.getByText(`The add-on is installed in the room ${ROOM_NAME}`).waitFor(WAIT);
  const inviteUrl = configure.getByLabel('Invite to Room URL');
  assert.equal(await inviteUrl.isVisible(), false);
  await configure.getByLabel('xMatters hostname').click();
  await configure.getByLabel('xMatters hostname').pressSequentially(xmatters.baseUrl);
  await configure.getByLabel('Username', { exact: true }).click();
  await configure.getByLabel('Username', { exact: true }).pressSequentially(xmatters.credentials.username);
  await configure.getByLabel('Password', { exact: true }).click();
  await configure.getByLabel('Password', { exact: true }).pressSequentially(xmatters.credentials.password);
  await configure.getByRole('button', { name: 'Test Authentication' }).click();
  await configure.locator('#test-result.banner-success').filter({ hasText: 'Integration User' }).waitFor(WAIT);
  await inviteUrl.waitFor({ state: 'visible', ...WAIT });
  await configure.getByRole('button', { name: 'Save Settings' }).click();
  await configure.locator('#save-result.banner-success').filter({ hasText: 'Settings saved' }).waitFor(WAIT);
  await configure.getByText('Copy this password now.').waitFor(WAIT);
  const callbackPassword = (await configure.locator('#callback-password').textContent())!.trim();
  assert.ok(callbackPassword.length > 20, 'the callback password is shown once');

  // "Set up xMatters": download the communication plan the add-on offers.
  await configure.getByRole('heading', { name: 'Set up xMatters' }).waitFor(WAIT);
  const downloading = page.waitForEvent('download', WAIT);
  await configure.getByRole('button', { name: 'Download the xMatters communication plan' }).click();
  const download = await downloading;
  assert.equal(download.suggestedFilename(), 'hipchat-invite-to-room-plan.zip');
  const planFile = join(dataDir!, 'plan.zip');
  await download.saveAs(planFile);

  // The xMatters admin, on the Developer tab: Import Plan, permissions for the integration user, the
  // endpoint's password, and Copy URL of the inbound integration (seed 002's steps).
  const developer = await context.newPage();
  const developerErrors = watchPageErrors(developer, [xmatters.baseUrl]);
  await developer.goto(`${xmatters.baseUrl}/developer`);
  await developer.getByLabel('Communication plan (.zip)').setInputFiles(planFile);
  await developer.getByRole('button', { name: 'Import Plan' }).click();
  await developer.getByRole('heading', { name: 'HipChat Invite to Room', level: 1 }).waitFor(WAIT);
  const access = developer.getByLabel('Access Permissions (user IDs)');
  await access.fill(`${await access.inputValue()}, ${xmatters.credentials.username}`);
  await developer.locator('form', { has: access }).getByRole('button', { name: 'Save Changes' }).click();
  await developer.getByRole('heading', { name: 'HipChat Invite to Room', level: 1 }).waitFor(WAIT);
  const senders = developer.getByLabel('Sender Permissions (user IDs)');
  await senders.fill(`${await senders.inputValue()}, ${xmatters.credentials.username}`);
  await developer.locator('form', { has: senders }).getByRole('button', { name: 'Save Changes' }).click();
  await developer.getByRole('heading', { name: 'HipChat Invite to Room', level: 1 }).waitFor(WAIT);
  const endpoint = developer.locator('section', { has: developer.getByRole('heading', { name: 'HipChat add-on', level: 3 }) });
  assert.equal(await endpoint.getByLabel('Base URL').inputValue(), `${demo.addonUrl}/xmatters/callbacks`);
  await endpoint.getByLabel('Password').fill(callbackPassword);
  await endpoint.getByRole('button', { name: 'Save Changes' }).click();
  await developer.getByRole('heading', { name: 'HipChat Invite to Room', level: 1 }).waitFor(WAIT);
  const copiedUrl = await developer.getByLabel('Inbound integration URL').inputValue();
  const plan = xmatters.plans.plans.find((p) => p.name === 'HipChat Invite to Room')!;
  assert.ok(plan, 'the plan was imported');

  // Back on the configure tab: paste the Invite to Room URL, Save Settings.
  await inviteUrl.fill(copiedUrl);
  await configure.getByRole('button', { name: 'Save Settings' }).click();
  await configure.locator('#save-result.banner-success').filter({ hasText: 'Settings saved' }).waitFor(WAIT);

  // In Incident 42: "+" → Invite on-call responders → Authorize → Grant access → the dialog.
  await page.getByRole('navigation', { name: 'Rooms' }).getByRole('link', { name: ROOM_NAME }).click();
  await page.getByRole('heading', { name: ROOM_NAME }).waitFor(WAIT);
  await openPlusAction(page, ACTION_NAME, ADDON_NAME, true);
  const dialog = page.frameLocator('#dialog-body iframe');
  const recipients = dialog.getByRole('combobox', { name: 'xMatters recipients' });
  await recipients.click();
  const answered = page.waitForResponse((res) => res.url() === `${demo.addonUrl}/invite/api/recipients?q=datab`, WAIT);
  await recipients.pressSequentially('datab', { delay: 40 });
  assert.equal((await answered).status(), 200);
  await dialog.locator('#recipient-listbox:not([hidden]):not([aria-busy])').waitFor(WAIT);
  const database = dialog.getByRole('option').filter({ has: dialog.locator('.option-name', { hasText: /^Database$/ }) });
  await database.waitFor(WAIT);
  const databaseId = await database.getAttribute('id');
  const options = await dialog.getByRole('option').count();
  for (let i = 0; i < options && (await recipients.getAttribute('aria-activedescendant')) !== databaseId; i++) await recipients.press('ArrowDown');
  assert.equal(await recipients.getAttribute('aria-activedescendant'), databaseId, 'Database is highlighted');
  await recipients.press('Enter');
  await dialog.locator('#chips .chip-label', { hasText: 'Database' }).waitFor(WAIT);
  const description = 'Primary database is down: checkout is failing. Need the DB on-call in here.';
  await dialog.getByLabel('Description').click();
  await dialog.getByLabel('Description').pressSequentially(description, { delay: 5 });
  const send = page.locator('#dialog-buttons button[data-action="oncall-invite.send"]:not([disabled])');
  await send.waitFor(WAIT);
  assert.equal(await send.textContent(), 'Send Invite');
  await send.click();
  await page.locator('#dialog-overlay').waitFor({ state: 'hidden', ...WAIT });
  await page.locator('#timeline li', { hasText: 'Alice Admin invited' }).filter({ hasText: description }).waitFor({ timeout: 20_000 });
  const event = xmatters.events[0];
  assert.ok(event, 'xMatters has the event');
  assert.equal(event.planId, plan.id, 'made through the imported plan');
  assert.equal(event.properties.room_id, String(ROOM_ID));
  assert.deepEqual(event.notifications.map((n) => n.targetName), ['bsmith'], 'Database reaches bsmith, on call');

  // bsmith's xMatters inbox, in another tab: the notification, a comment, Accept.
  const inbox = await context.newPage();
  const inboxErrors = watchPageErrors(inbox, [xmatters.baseUrl]);
  await inbox.goto(`${xmatters.inboxUrl}/bsmith`);
  await inbox.getByRole('heading', { name: 'Bob Smith', level: 1 }).waitFor(WAIT);
  const card = inbox.locator('article.notification', { hasText: description });
  await card.waitFor(WAIT);
  await card.getByText(`via Database`).waitFor(WAIT);
  await card.getByLabel('Comment (optional)').click();
  await card.getByLabel('Comment (optional)').pressSequentially('on my way');
  await card.getByRole('button', { name: 'Accept' }).click();
  await inbox.getByRole('status').filter({ hasText: `Your response to event ${event.eventIdentifier} was sent.` }).waitFor(WAIT);
  await inbox.locator(`#event-${event.eventIdentifier}`).getByText('You responded Accept: “on my way”').waitFor(WAIT);

  // Back in the room (no reload): the answer, @mentioning Bob, who is now a member of the room.
  const accepted = page.locator('#timeline li', { hasText: "@bsmith accepted — 'on my way'" });
  await accepted.waitFor({ timeout: 20_000 });
  assert.match((await accepted.textContent()) ?? '', /@bsmith accepted — 'on my way' \(Work Email\) — invite [0-9a-f]{8}\./);
  assert.equal(await accepted.evaluate((li) => li.classList.contains('color-green')), true, 'an acceptance is green');
  assert.ok(incident.members.has(BOB), 'Bob was invited into Incident 42');
  await panel(page, /^Members/).getByText('Bob Smith', { exact: true }).waitFor(WAIT);

  // Bob Smith opens Incident 42 (switching users reopens the room as him): he enters, and the room is told.
  await switchUser(page, 'Bob Smith');
  await page.getByRole('heading', { name: ROOM_NAME }).waitFor(WAIT);
  assert.equal(await page.getByText('You are not a member of this private room').count(), 0);
  const joined = page.locator('#timeline li', { hasText: 'Bob Smith joined' });
  await joined.waitFor({ timeout: 20_000 });
  assert.match((await joined.textContent()) ?? '', /Bob Smith joined, (less than a minute|\d+ min) after the invite — invite [0-9a-f]{8}\./);
  await panel(page, /^In this room/).getByText('Bob Smith (you)').waitFor(WAIT);

  assert.deepEqual(errors.uncaught, [], 'uncaught errors in the HipChat and add-on pages');
  assert.deepEqual(errors.console, [], 'console errors from the add-on or HipChat pages');
  // Every answer came through the imported plan's outbound integrations, with only invite_id.
  const deliveries = xmatters.deliveries.filter((d) => d.eventIdentifier === event.eventIdentifier);
  assert.ok(deliveries.some((d) => d.kind === 'RESPONSE' && d.ok), 'the response webhook was delivered');
  assert.ok(deliveries.every((d) => plan.outbound.some((o) => o.name === d.integration)), 'only the imported plan\'s integrations sent');
  assert.ok(deliveries.every((d) => JSON.stringify(d.payload.eventProperties) === JSON.stringify([{ invite_id: event.properties.invite_id }])));
  assert.deepEqual(developerErrors.uncaught, [], 'uncaught errors on the Developer tab');
  assert.deepEqual(inboxErrors.uncaught, [], 'uncaught errors in the xMatters inbox');
  assert.deepEqual(inboxErrors.console, [], 'console errors in the xMatters inbox');
});
