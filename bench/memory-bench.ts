import type { Child, Usage } from './ipc';
import { runLoad } from './load';
import { PARAMS } from './params';
import type { AddonInfo, Seeded } from './procs/addon';
import { pick, signedTokens, type SignedFor } from './tokens';
import { webhookRequest, type WebhookKind } from './webhook-bench';

// The add-on's memory with 10,000 installations in its cache and 1,000 jobs pending, then heap after GC
// across passes of a load spread over 1,000 installations, rooms and users: webhooks of each kind
// (installation cache, who-may-join index, /oncall dedupe), refused tokens of 1,000 unknown issuers (the
// cache of misses) and lookups of 200 distinct queries (the lookup cache).

export interface MemoryRow {
  label: string;
  usage: Usage;
  /** What the add-on holds at that moment. */
  held?: string;
}

const P = PARAMS.memory;
const KINDS: WebhookKind[] = ['ack', 'enter', 'help'];

export async function benchMemory(addon: Child<AddonInfo>, hipchatBaseUrl: string, known: Seeded[], lookupToken: string, queries: string[]): Promise<MemoryRow[]> {
  const rows: MemoryRow[] = [{ label: `${known.length} installations, before loading more (after GC)`, usage: await addon.call<Usage>('gc') }];
  await addon.call('seedInstallations', { count: P.installations - known.length, hipchatBaseUrl });
  const cached = await addon.call<number>('loadInstallations');
  const pending = await addon.call<number>('seedPendingJobs', P.pendingJobs);
  rows.push({ label: `${cached.toLocaleString('en-US')} installations in the cache, ${pending.toLocaleString('en-US')} jobs pending (after GC)`, usage: await addon.call<Usage>('gc') });

  const tokens = signedTokens(known, 1000);
  const strangers = signedTokens(
    Array.from({ length: 1000 }, (_, i) => ({ oauthId: `unknown-issuer-${i}`, oauthSecret: `secret-${i}` })),
    1000,
  );
  let requests = 0;
  for (let pass = 1; pass <= P.passes; pass++) {
    for (const kind of KINDS) requests += await load(addon, kind, tokens, 204);
    requests += await load(addon, 'ack', strangers, 401);
    requests += await lookups(addon, lookupToken, queries);
    rows.push({ label: `after pass ${pass} (${requests.toLocaleString('en-US')} requests so far), after GC`, usage: await addon.call<Usage>('gc') });
  }
  return rows;
}

async function load(addon: Child<AddonInfo>, kind: WebhookKind, tokens: SignedFor[], expect: number): Promise<number> {
  const run = `mem-${Date.now().toString(36)}`;
  const result = await runLoad(
    {
      baseUrl: addon.info.baseUrl,
      connections: 20,
      warmupSeconds: 0.2,
      seconds: P.passSeconds / KINDS.length,
      expectStatus: kind === 'help' && expect === 204 ? 200 : expect,
      request: (i) => webhookRequest(kind, pick(tokens, i), `${run}-${i}`),
    },
    { before: async () => {}, after: async () => {} },
  );
  return result.requests;
}

async function lookups(addon: Child<AddonInfo>, token: string, queries: string[]): Promise<number> {
  const result = await runLoad(
    {
      baseUrl: addon.info.baseUrl,
      connections: 4,
      warmupSeconds: 0.2,
      seconds: 1,
      expectStatus: 200,
      request: (i) => ({ method: 'GET', path: `/invite/api/recipients?q=${encodeURIComponent(pick(queries, i))}`, headers: { authorization: `JWT ${token}` } }),
    },
    { before: async () => {}, after: async () => {} },
  );
  return result.requests;
}
