import type { Child, Usage } from './ipc';
import { exchange, keepAliveAgent, type RequestSpec } from './http';
import { runLoad, type LoadResult } from './load';
import { PARAMS } from './params';
import { pick, signedTokens } from './tokens';

// Signed room_enter webhooks against the add-on and against a bare Express app; room_exit (not
// subscribed, so only verified and acknowledged) shows the cost of the check alone.

export interface WebhookRow {
  label: string;
  result: LoadResult;
  /** CPU of the server's process over the measured phase, µs. */
  serverCpuMicros: number;
}

export interface MemoryRow {
  label: string;
  usage: Usage;
}

export interface WebhookReport {
  rows: WebhookRow[];
  memory: MemoryRow[];
  /** CPU profiles written (BENCH_CPU_PROF). */
  profiles: string[];
}

type Installation = { oauthId: string; oauthSecret: string };
const P = PARAMS.webhook;

export async function benchWebhooks(bare: Child<{ baseUrl: string }>, addon: Child<{ baseUrl: string }>, installation: Installation): Promise<WebhookReport> {
  const tokens = signedTokens(P.tokenPool, installation, { userId: P.userId, roomId: P.roomId });
  const bodyOf = (event: string) =>
    JSON.stringify({
      event,
      item: { room: { id: P.roomId, name: 'Ops War Room' }, sender: { id: P.userId, name: 'Carol Jones', mention_name: 'cjones' } },
      oauth_client_id: installation.oauthId,
      webhook_id: 1,
    });
  const bodies = { room_enter: bodyOf('room_enter'), room_exit: bodyOf('room_exit') };
  const webhook = (baseUrl: string, token: string, event: keyof typeof bodies = 'room_enter'): RequestSpec => {
    const url = new URL(`/webhooks/${event}`, baseUrl);
    url.searchParams.set('signed_request', token);
    return { method: 'POST', url, headers: { 'content-type': 'application/json' }, body: bodies[event] };
  };
  await checkTheAddonVerifies(addon.info.baseUrl, (t) => webhook(addon.info.baseUrl, t), pick(tokens, 0));

  /** `profile` names a CPU profile of the measured phase, written to the folder BENCH_CPU_PROF names. */
  const row = async (label: string, server: Child<{ baseUrl: string }>, profile?: string, event: keyof typeof bodies = 'room_enter'): Promise<WebhookRow> => {
    const profileDir = profile && process.env.BENCH_CPU_PROF;
    let before = 0;
    let serverCpuMicros = 0;
    const result = await runLoad(
      { concurrency: P.concurrency, warmup: P.warmup, count: P.count, timeLimitMs: P.timeLimitMs, expectStatus: 204, request: (i) => webhook(server.info.baseUrl, pick(tokens, i), event) },
      {
        before: async () => {
          if (profileDir) await server.call('profileStart');
          before = (await server.call<Usage>('usage')).cpuMicros;
        },
        after: async () => {
          serverCpuMicros = (await server.call<Usage>('usage')).cpuMicros - before;
          if (profileDir) profiles.push(await server.call<string>('profileStop', { dir: profileDir, name: profile }));
        },
      },
    );
    return { label, result, serverCpuMicros };
  };

  const rows: WebhookRow[] = [];
  const memory: MemoryRow[] = [];
  const profiles: string[] = [];
  const perRow = P.warmup + P.count;
  /** Rows run against the add-on so far (all but the baseline). */
  const addonRows = () => rows.length - 1;
  memory.push({ label: 'before any webhook (after GC)', usage: await addon.call<Usage>('gc') });

  rows.push(await row('bare Express 5 + express.json(), 204 (baseline)', bare));
  await addon.call('installationSource', 'memory');
  rows.push(await row('add-on, installation from memory (as shipped)', addon));
  rows.push(await row('add-on, room_exit: verified and acknowledged, no handler work', addon, undefined, 'room_exit'));
  await addon.call('installationSource', 'db');
  rows.push(await row('add-on, JWT check reads the database every request', addon));
  await addon.call('installationSource', 'memory');

  memory.push({ label: `after ${addonRows() * perRow} webhooks`, usage: await addon.call<Usage>('usage') });
  memory.push({ label: 'after GC', usage: await addon.call<Usage>('gc') });
  rows.push(await row('add-on as shipped, second pass', addon));
  memory.push({ label: `after ${addonRows() * perRow} webhooks`, usage: await addon.call<Usage>('usage') });
  memory.push({ label: 'after GC', usage: await addon.call<Usage>('gc') });

  // Profiling slows the process down, so profiled passes are extra and not in the table.
  if (process.env.BENCH_CPU_PROF) {
    await row('profiled', addon, 'addon-as-shipped');
  }
  return { rows, memory, profiles };
}

/** One accepted webhook, and one refused when its signature is wrong: proof the rows measure a real check. */
async function checkTheAddonVerifies(baseUrl: string, webhook: (token: string) => RequestSpec, token: string): Promise<void> {
  const agent = keepAliveAgent(1);
  try {
    const good = await exchange(agent, { ...webhook(token), keepBody: true });
    if (good.status !== 204) throw new Error(`a signed room_enter got HTTP ${good.status} from ${baseUrl}: ${good.body}`);
    const forged = `${token.slice(0, token.lastIndexOf('.') + 1)}${'A'.repeat(43)}`;
    const bad = await exchange(agent, webhook(forged));
    if (bad.status !== 401) throw new Error(`a room_enter with a forged signature got HTTP ${bad.status}, not 401`);
  } finally {
    agent.destroy();
  }
}
