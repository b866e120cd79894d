import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

// atlassian-connect-express-hipchat 0.3.9 and Express 4 from the npm registry, into a temporary folder
// outside the repository, for the reference row; never added to the project's package.json.

export const ACE_PACKAGES = ['atlassian-connect-express-hipchat@0.3.9', 'express@4'];
const INSTALL_TIMEOUT_MS = 180_000;

export interface AceInstall {
  dir: string;
  remove(): void;
}

/** The folder it was installed into, or the reason it could not be (the row is then skipped, saying why). */
export async function installAce(): Promise<AceInstall | { skipped: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'ace-hipchat-'));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'ace-hipchat-reference', private: true }));
  try {
    await promisify(execFile)('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', ...ACE_PACKAGES], { cwd: dir, timeout: INSTALL_TIMEOUT_MS });
    return { dir, remove };
  } catch (err) {
    remove();
    const message = err instanceof Error ? err.message.split('\n').find((line) => /ERR!|error/i.test(line)) ?? err.message.split('\n')[0] : String(err);
    return { skipped: `npm install ${ACE_PACKAGES.join(' ')} failed: ${message?.slice(0, 200)}` };
  }
}
