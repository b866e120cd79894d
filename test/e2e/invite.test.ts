import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FrameLocator, Locator, Page } from 'playwright-core';
import type { Demo } from '../../sim/demo';
import { openPlusAction, startBrowserDemo, type BrowserDemo, type PageErrors } from '../helpers/browser';
import { waitFor } from '../helpers/wait';

// The "+" dialog: Alice picks a group (and sees who is on call in it) and a person with the keyboard, writes a
// description and sends the invite with HipChat's Send Invite button; xMatters gets the event and the
// room gets the notice.

const WAIT = { timeout: 15_000 };
const ADDON_NAME = 'xMatters On-Call Invite';
const ACTION_NAME = 'Invite on-call responders';
const SEND = '#dialog-buttons button[data-action="oncall-invite.send"]';

let demo: Demo;
let page: Page;
let errors: PageErrors;
let e2e: BrowserDemo | undefined;

before(async () => {
  // Set up as the admins do (the demo's set-up: connection, the plan imported, its Invite to Room URL).
  e2e = await startBrowserDemo('invite', { setUp: true });
  ({ demo, page, errors } = e2e);
  assert.ok(demo.setUp, 'xMatters is set up');
});
after(() => e2e?.close());

/** The id of the option the combobox says is highlighted. */
const activeOption = async (input: Locator) => (await input.getAttribute('aria-activedescendant')) ?? '';

/**
 * Types `query` into the recipient box and picks the option whose name is `name` with the keyboard only:
 * ArrowDown until it is highlighted (or ArrowDown then ArrowUp when it already is), then Enter.
 */
async function pickWithKeyboard(frame: FrameLocator, query: string, name: string): Promise<void> {
  const input = frame.getByRole('combobox', { name: 'xMatters recipients' });
  await input.click();
  // The list for the whole query, not one for a prefix still on show while the last lookup runs.
  const answered = page.waitForResponse((res) => res.url() === `${demo.addonUrl}/invite/api/recipients?q=${encodeURIComponent(query)}`, WAIT);
  await input.pressSequentially(query, { delay: 40 });
  assert.equal((await answered).status(), 200);
  const listbox = frame.getByRole('listbox');
  await frame.locator('#recipient-listbox:not([hidden]):not([aria-busy])').waitFor(WAIT);
  const wanted = listbox.getByRole('option').filter({ has: frame.locator('.option-name', { hasText: new RegExp(`^${name}$`) }) });
  await wanted.waitFor(WAIT);
  assert.equal(await input.getAttribute('aria-expanded'), 'true');
  const wantedId = await wanted.getAttribute('id');
  assert.ok(wantedId);
  const count = await listbox.getByRole('option').count();
  if ((await activeOption(input)) === wantedId) {
    await input.press('ArrowDown');
    if (count > 1) assert.notEqual(await activeOption(input), wantedId, 'ArrowDown moves the highlight');
    await input.press('ArrowUp');
  } else {
    for (let i = 0; i < count && (await activeOption(input)) !== wantedId; i++) await input.press('ArrowDown');
  }
  assert.equal(await activeOption(input), wantedId, `${name} is highlighted`);
  assert.equal(await wanted.getAttribute('aria-selected'), 'true');
  await input.press('Enter');
  await frame.locator('#chips .chip-label', { hasText: name }).waitFor(WAIT);
  assert.equal(await input.inputValue(), '', 'the box is emptied after a pick');
  assert.equal(await listbox.isVisible(), false, 'the list closes after a pick');
}

test('Alice invites a group and a person picked with the keyboard; xMatters gets the event and the room the notice', async () => {
  await page.goto(demo.roomUrl);
  await page.getByRole('heading', { name: 'Ops War Room' }).waitFor(WAIT);

  await openPlusAction(page, ACTION_NAME, ADDON_NAME, true);
  assert.equal(await page.locator('#dialog-title').textContent(), ACTION_NAME);
  const frame = page.frameLocator('#dialog-body iframe');
  const input = frame.getByRole('combobox', { name: 'xMatters recipients' });
  await input.waitFor(WAIT);
  const send = page.locator(SEND);
  assert.equal(await send.textContent(), 'Send Invite');
  assert.ok(await send.isDisabled(), 'Send Invite starts disabled');

  // The group, by part of its name.
  await pickWithKeyboard(frame, 'datab', 'Database');
  // Who the group reaches now, before it is paged.
  await frame.locator('#on-call .on-call-line.is-on-call', { hasText: 'On call now in Database: Bob Smith (bsmith)' }).waitFor(WAIT);

  // Esc closes the suggestions, not the dialog.
  await input.pressSequentially('mary', { delay: 40 });
  await frame.getByRole('listbox').getByRole('option').first().waitFor(WAIT);
  await input.press('Escape');
  await frame.getByRole('listbox').waitFor({ state: 'hidden', ...WAIT });
  assert.ok(await page.locator('#dialog-overlay').isVisible(), 'Escape in the recipient box leaves the dialog open');
  await input.press('ControlOrMeta+a');
  await input.press('Backspace');

  // The person, by part of their user ID: Bianca Smith (bsmith3) comes first, Bob Smith after her.
  await pickWithKeyboard(frame, 'bsmi', 'Bob Smith');
  assert.deepEqual(await frame.locator('#chips .chip-label').allTextContents(), ['Database', 'Bob Smith']);
  assert.ok(await send.isDisabled(), 'Send Invite stays disabled without a description');

  const description = 'Checkout fails: primary DB at 100% CPU, p99 > 2s. Need a DBA & the on-call.';
  const textarea = frame.getByLabel('Description');
  await textarea.click();
  await textarea.pressSequentially(description, { delay: 5 });
  await frame.locator('#description-counter').filter({ hasText: `${description.length} / 2000` }).waitFor(WAIT);
  await page.locator(`${SEND}:not([disabled])`).waitFor(WAIT);

  await send.click();
  await page.locator('#dialog-overlay').waitFor({ state: 'hidden', ...WAIT });

  // xMatters: one event for both recipients, with the invite's properties.
  await waitFor(() => demo.xmatters.events.length > 0, 'xMatters has an event', 15_000);
  assert.equal(demo.xmatters.events.length, 1, 'one click, one event');
  const [event] = demo.xmatters.events;
  assert.ok(event);
  assert.deepEqual(
    event.recipients.map((r) => ('targetName' in r ? r.targetName : r.id)),
    ['Database', 'bsmith'],
  );
  assert.deepEqual(event.unresolved, []);
  const { properties } = event;
  assert.match(properties.invite_id ?? '', /^[0-9a-f-]{36}$/);
  assert.equal(properties.room_id, '100');
  assert.equal(properties.room_name, 'Ops War Room');
  assert.equal(properties.room_link, demo.roomUrl);
  assert.equal(properties.description, description);
  assert.equal(properties.inviter_name, 'Alice Admin');
  assert.equal(properties.inviter_mention, 'alice');
  // bsmith is reached once, though he is both picked and on call for Database.
  assert.deepEqual(event.notifications.map((n) => n.targetName), ['bsmith']);

  // The room: "Alice Admin invited …" appears without a reload.
  const notice = page.locator('#timeline li', { hasText: 'Alice Admin invited' });
  await notice.first().waitFor({ timeout: 20_000 });
  const text = (await notice.first().textContent()) ?? '';
  // HipChat shows the notice's card: "Alice Admin invited on-call responders", the description, who.
  assert.match(text, /Alice Admin invited/);
  assert.match(text, /Database \(group\)/, text);
  assert.match(text, /Bob Smith \(bsmith\)/, text);
  assert.ok(text.includes(description), `the notice quotes the description: ${text}`);
  assert.ok(text.includes((properties.invite_id ?? '').slice(0, 8)), `the notice names the invite: ${text}`);
  assert.equal(await page.locator('#timeline li', { hasText: 'Alice Admin invited' }).count(), 1, 'the notice is posted once');

  // Escape inside the dialog's frame closes it (key presses there never reach HipChat's page); no
  // second authorization is asked.
  await openPlusAction(page, ACTION_NAME, ADDON_NAME, false);
  const again = page.frameLocator('#dialog-body iframe').getByRole('combobox');
  await again.waitFor(WAIT);
  await again.click();
  await page.keyboard.press('Escape');
  await page.locator('#dialog-overlay').waitFor({ state: 'hidden', ...WAIT });

  assert.deepEqual(errors.uncaught, [], 'uncaught errors in the pages');
  assert.deepEqual(errors.console, [], 'console errors from the add-on or HipChat pages');
});
