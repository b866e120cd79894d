import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import type { Demo } from '../../sim/demo';
import { startBrowserDemo, type BrowserDemo, type PageErrors } from '../helpers/browser';
import { waitFor } from '../helpers/wait';

// The configure tab's activity log in the HipChat simulator's web client: an alert notice HipChat
// refused, one delivered, an invite sent to xMatters and its callbacks; the admin filters the
// failures, retries the refused notice, and it reaches the room. SCREENSHOTS=1 saves the log to
// docs/img/activity-log.png.

const WAIT = { timeout: 15_000 };
const ADDON_NAME = 'xMatters On-Call Invite';
const ROOM = 100;

let demo: Demo;
let page: Page;
let errors: PageErrors;
let e2e: BrowserDemo | undefined;

before(async () => {
  e2e = await startBrowserDemo('activity', { setUp: true });
  ({ demo, page, errors } = e2e);
});
after(() => e2e?.close());

async function postAlert(message: string) {
  const res = await fetch(demo.setUp!.alertUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message, message_format: 'text', color: 'red' }) });
  assert.equal(res.status, 200, await res.text());
}
const rows = () => demo.addon.db('activity').select('*');

test('an admin reads the activity log, sees a refused notice with its status code, and retries it', async () => {
  demo.hipchat.faults.failNext(1, 400);
  await postAlert('Disk 91% full on db-3');
  await waitFor(async () => (await rows()).some((r) => r.outcome === 'failed'), 'the refused notice is logged', 15_000);
  await postAlert('Critical: orders database refuses connections');
  await waitFor(() => demo.xmatters.events.length > 0, 'the critical alert invited Database', 15_000);
  const [event] = demo.xmatters.events;
  demo.xmatters.respond(event!.eventIdentifier, 'bsmith', 'Accept', 'on my way');
  await waitFor(async () => (await rows()).some((r) => r.source === 'callback' && r.kind === 'response'), 'the response callback is logged', 15_000);

  await page.goto(demo.roomUrl);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Integrations', exact: true }).click();
  await page.locator('.installed-row', { hasText: ADDON_NAME }).getByRole('link', { name: 'Configure' }).click();
  const frame = page.frameLocator('#configure-frame');
  const section = frame.locator('#activity-section');
  await section.getByRole('heading', { name: 'Activity' }).waitFor(WAIT);
  const failedRow = section.locator('#activity-rows tr[data-outcome="failed"]');
  await failedRow.waitFor(WAIT);
  assert.match((await failedRow.textContent()) ?? '', /Notice posted in the room.*to HipChat.*HipChat answered 400.*Failed400/);
  await section.locator('#activity-rows tr[data-outcome="accepted"]', { hasText: 'Response callback' }).waitFor(WAIT);
  await section.locator('#activity-rows tr', { hasText: 'Invite sent to xMatters' }).first().waitFor(WAIT);
  if (process.env.SCREENSHOTS === '1') {
    // Tall enough that the section is not scrolled under HipChat's header.
    await page.setViewportSize({ width: 1280, height: 2400 });
    await section.screenshot({ path: fileURLToPath(new URL('../../docs/img/activity-log.png', import.meta.url)) });
  }

  await section.getByLabel('Failed only').check();
  await waitFor(async () => (await section.locator('#activity-rows tr').count()) === 1, 'only the failure is listed');

  await failedRow.getByRole('button', { name: 'Retry' }).click();
  await section.locator('#activity-result', { hasText: 'queued again' }).waitFor(WAIT);
  await waitFor(() => demo.hipchat.notifications(ROOM).some((n) => n.message.includes('Disk 91% full on db-3')), 'the notice reaches the room', 15_000);
  await section.getByLabel('Failed only').uncheck();
  await section.getByRole('button', { name: 'Refresh' }).click();
  await waitFor(async () => (await section.locator('#activity-rows tr[data-outcome="failed"]').count()) === 0, 'the log no longer lists a failure');
  assert.equal(await section.locator('#activity-rows tr', { hasText: 'HipChat answered 400' }).count(), 0, 'the delivered notice has no error any more');

  assert.deepEqual(errors.uncaught, [], 'uncaught errors in the pages');
  assert.deepEqual(errors.console, [], 'console errors from the add-on or HipChat pages');
});
