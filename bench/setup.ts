import { installAce } from './ace-install';
import { exchange, keepAliveAgent } from './http';
import { startChild, type Child } from './ipc';
import { PARAMS } from './params';
import type { AddonInfo, Seeded } from './procs/addon';
import type { BareInfo } from './procs/bare';
import type { Installed, SimsInfo } from './procs/sims';
import { signedTokens, type SignedFor } from './tokens';

export interface Peers {
  sims: Child<SimsInfo>;
  addon: Child<AddonInfo>;
  bare: Child<BareInfo>;
  /** The reference stack, or why it is not there. */
  ace: Child<{ baseUrl: string }> | { skipped: string };
  /** Installed through the HipChat simulator into room 100, with its xMatters settings saved. */
  main: Installed;
  /** The installations the webhook JWTs are for. */
  seeded: Seeded[];
  tokens: SignedFor[];
  /** A token the add-on gave one of its pages (never accepted on a webhook). */
  pageToken: string;
  close(): Promise<void>;
}

export const MAIN_ROOM = 100;

/**
 * The simulators, the add-on, the bare baseline and the reference stack, each in its own process on
 * 127.0.0.1; the add-on installed in a room by the HipChat simulator, its xMatters settings saved by the
 * room's admin, and the installations the webhooks come from written to its database.
 */
export async function startPeers(opts: { reference?: boolean } = {}): Promise<Peers> {
  const started: Child<unknown>[] = [];
  const cleanups: Array<() => void> = [];
  const close = async () => {
    await Promise.allSettled(started.reverse().map((child) => child.close()));
    for (const cleanup of cleanups) cleanup();
  };
  try {
    const sims = await startChild<SimsInfo>('sims');
    started.push(sims);
    const hipchatBaseUrl = `http://${sims.info.hipchatHost}`;
    const addon = await startChild<AddonInfo>('addon', { BENCH_HIPCHAT_HOST: sims.info.hipchatHost, BENCH_XMATTERS_HOST: sims.info.xmattersHostname });
    started.push(addon);
    const bare = await startChild<BareInfo>('bare');
    started.push(bare);
    const main = await sims.call<Installed>('install', { descriptorUrl: `${addon.info.baseUrl}/atlassian-connect.json`, roomId: MAIN_ROOM });
    await configure(addon.info.baseUrl, sims.info, main);
    const seeded = await addon.call<Seeded[]>('seedInstallations', { count: PARAMS.webhook.installations, hipchatBaseUrl });
    const tokens = signedTokens(seeded, PARAMS.webhook.tokens);
    const pageToken = await pageTokenOf(addon.info.baseUrl, tokens[0]!);

    let ace: Peers['ace'];
    const installed = opts.reference === false ? { skipped: 'not asked for (BENCH_ONLY)' } : await installAce();
    if ('skipped' in installed) ace = installed;
    else {
      cleanups.push(installed.remove);
      const child = await startChild<{ baseUrl: string }>('ace', { BENCH_ACE_DIR: installed.dir });
      started.push(child);
      await child.call('clients', seeded);
      ace = child;
    }
    return { sims, addon, bare, ace, main, seeded, tokens, pageToken, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** What the configure tab's Save Settings sends, as Alice (user 1, the group admin). */
async function configure(addonUrl: string, sims: SimsInfo, installation: Installed): Promise<void> {
  const [{ token }] = signedTokens([installation], 1, { roomId: MAIN_ROOM, userId: 1 }) as [SignedFor];
  const agent = keepAliveAgent(1);
  try {
    const answer = await exchange(agent, {
      method: 'POST',
      url: new URL('/configure/api/settings', addonUrl),
      headers: { authorization: `JWT ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ hostname: sims.xmattersBaseUrl, username: sims.credentials.username, password: sims.credentials.password, inviteUrl: sims.inviteUrl }),
      keepBody: true,
    });
    if (answer.status !== 200) throw new Error(`saving the xMatters settings got HTTP ${answer.status}: ${answer.body}`);
  } finally {
    agent.destroy();
  }
}

/** The token the "+" dialog's page carries, as a browser would find it. */
async function pageTokenOf(addonUrl: string, t: SignedFor): Promise<string> {
  const agent = keepAliveAgent(1);
  try {
    const page = await exchange(agent, { method: 'GET', url: new URL(`/invite/dialog?signed_request=${t.token}`, addonUrl), keepBody: true });
    const token = /<meta name="token" content="([^"]+)">/.exec(page.body)?.[1];
    if (page.status !== 200 || !token) throw new Error(`the invite dialog got HTTP ${page.status} without a page token`);
    return token;
  } finally {
    agent.destroy();
  }
}
