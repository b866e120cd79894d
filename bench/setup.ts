import { exchange, keepAliveAgent } from './http';
import { startChild, type Child } from './ipc';
import { PARAMS } from './params';
import type { AddonInfo } from './procs/addon';
import type { BareInfo } from './procs/bare';
import type { Installed, SimsInfo } from './procs/sims';
import { signedTokens } from './tokens';

export interface Peers {
  sims: Child<SimsInfo>;
  addon: Child<AddonInfo>;
  bare: Child<BareInfo>;
  installation: Installed;
  close(): Promise<void>;
}

/**
 * The simulators, the add-on and the bare baseline, each in its own process on 127.0.0.1; the add-on
 * installed in a room by the HipChat simulator and its xMatters settings saved by the room's admin.
 */
export async function startPeers(): Promise<Peers> {
  const started: Child<unknown>[] = [];
  const close = async () => {
    await Promise.allSettled(started.reverse().map((child) => child.close()));
  };
  try {
    const sims = await startChild<SimsInfo>('sims');
    started.push(sims);
    const addon = await startChild<AddonInfo>('addon', { BENCH_HIPCHAT_HOST: sims.info.hipchatHost, BENCH_XMATTERS_HOST: sims.info.xmattersHostname });
    started.push(addon);
    const bare = await startChild<BareInfo>('bare');
    started.push(bare);
    const installation = await sims.call<Installed>('install', { descriptorUrl: `${addon.info.baseUrl}/atlassian-connect.json`, roomId: PARAMS.webhook.roomId });
    await configure(addon.info.baseUrl, sims.info, installation);
    return { sims, addon, bare, installation, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** What the configure tab's Save Settings sends, as Alice (user 1, the group admin). */
async function configure(addonUrl: string, sims: SimsInfo, installation: Installed): Promise<void> {
  const [token] = signedTokens(1, installation, { userId: 1, roomId: PARAMS.webhook.roomId });
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
