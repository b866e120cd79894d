import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import type { Page } from 'playwright-core';
import { startDemo, type Demo, type DemoOptions } from '../../sim/demo';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Debian's chromium, headless, for the end-to-end tests (install it with `apt-get install -y chromium`). */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`No chromium at ${CHROMIUM}: run "apt-get install -y chromium" or set CHROMIUM_PATH`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** What went wrong in a page's frames: uncaught exceptions, and console errors from the given origins. */
export interface PageErrors {
  /** Uncaught exceptions in the page or any of its frames (`pageerror`). */
  uncaught: string[];
  /** `console.error` calls and browser errors (CSP refusals, …) whose source is one of the watched origins. */
  console: string[];
}

/**
 * Starts collecting a page's errors. Console errors count only when their source URL is on one of
 * `origins` (the add-on's, say); "Failed to load resource" lines are left out, since an HTTP error status
 * the page expects (a 400 for a wrong password) is logged that way too.
 */
export function watchPageErrors(page: Page, origins: string[]): PageErrors {
  const errors: PageErrors = { uncaught: [], console: [] };
  page.on('pageerror', (error) => errors.uncaught.push(`${error.name}: ${error.message}\n${error.stack ?? ''}`));
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const url = message.location().url;
    if (!origins.some((origin) => url.startsWith(origin))) return;
    if (/^Failed to load resource: the server responded with a status of/.test(message.text())) return;
    errors.console.push(`${message.text()} (${url}:${message.location().lineNumber})`);
  });
  return errors;
}

const UI_WAIT = { timeout: 15_000 };

/** In a room of the HipChat simulator: "+" → the action → "Authorize …" → "Grant access to …" (first use only) → the dialog's iframe. */
export async function openPlusAction(page: Page, actionName: string, addonName: string, firstUse: boolean): Promise<void> {
  await page.locator('#plus-button').click();
  await page.getByRole('menuitem', { name: new RegExp(actionName) }).click();
  if (firstUse) {
    await page.getByRole('heading', { name: `Authorize ${addonName}` }).waitFor(UI_WAIT);
    await page.getByRole('button', { name: `Authorize ${addonName}` }).click();
    await page.getByRole('heading', { name: `Grant access to ${addonName}` }).waitFor(UI_WAIT);
    await page.getByRole('button', { name: `Grant access to ${addonName}` }).click();
  }
  await page.locator('#dialog-body iframe').waitFor(UI_WAIT);
}

/** The HipChat simulator's user switcher (top right): picking a user submits it; waits for the page to say who is signed in. */
export async function switchUser(page: Page, name: string): Promise<void> {
  await Promise.all([page.waitForNavigation(UI_WAIT), page.getByLabel('Signed in as').selectOption({ label: name })]);
  const selected = await page.getByLabel('Signed in as').evaluate((select: HTMLSelectElement) => select.selectedOptions[0]?.textContent ?? '');
  if (!selected.startsWith(name)) throw new Error(`Switched to ${name}, but the page says it is ${selected}`);
}

export interface BrowserDemo {
  demo: Demo;
  browser: Browser;
  page: Page;
  /** Errors of `page`, from the add-on's and HipChat's origins. */
  errors: PageErrors;
  close(): Promise<void>;
}

/**
 * The demo wiring on free ports with a temp data folder, and chromium with one page watched for errors.
 * xMatters is not set up unless `setUp` says so: the tests set it up themselves.
 */
export async function startBrowserDemo(name: string, opts: Pick<DemoOptions, 'installRoomId' | 'setUp'> = {}): Promise<BrowserDemo> {
  const dataDir = mkdtempSync(join(tmpdir(), `e2e-${name}-`));
  const demo = await startDemo({ ports: { hipchat: 0, xmatters: 0, addon: 0 }, dataDir, logLevel: 'silent', setUp: false, ...opts });
  const browser = await launchBrowser();
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  return {
    demo,
    browser,
    page,
    errors: watchPageErrors(page, [demo.addonUrl, demo.hipchat.baseUrl]),
    async close() {
      await browser.close();
      await demo.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
