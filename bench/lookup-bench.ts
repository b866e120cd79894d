import { performance } from 'node:perf_hooks';
import { createOutboundHttp } from '../lib/security/outbound';
import { createXMattersClient } from '../lib/xmatters/client';
import { exchange, keepAliveAgent, type RequestSpec } from './http';
import type { Child } from './ipc';
import { PARAMS } from './params';
import type { SimsInfo } from './procs/sims';
import { MAIN_ROOM } from './setup';
import { percentile } from './stats';
import { pick } from './tokens';
import { signHipChatJwt } from '../sim/hipchat/jwt';

// Recipient lookup against an xMatters with a remote service's latency: one query at a time, as a
// user typing in the invite dialog would send them. Single-page queries ("First Last") and queries
// matching two or three pages of people, whose baseline is the same pages fetched one after another.

export interface LookupRow {
  label: string;
  samples: number[];
  /** xMatters API calls the simulator answered during the row. */
  xmattersCalls: number;
  /** The row whose p50 this one is compared with. */
  baseline: string;
  /** The goal it is judged by: cold ≤ 5 ms p50 over xMatters' own latency, warm ≤ 2 ms p50. */
  goal?: 'cold' | 'warm';
}

const P = PARAMS.lookup;

export async function benchLookups(sims: Child<SimsInfo>, addonUrl: string, installation: { oauthId: string; oauthSecret: string }): Promise<LookupRow[]> {
  const queries = await sims.call<string[]>('queries', P.queries);
  const tokens = Array.from({ length: 16 }, () => signHipChatJwt(installation.oauthId, installation.oauthSecret, { userId: 1, roomId: MAIN_ROOM }));
  const { xmattersBaseUrl, xmattersHostname, credentials } = sims.info;
  const basic = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
  const agent = keepAliveAgent(4);

  const direct = (path: '/people' | '/groups', q: string): RequestSpec => {
    const url = new URL(`/api/xm/1${path}`, xmattersBaseUrl);
    url.search = new URLSearchParams({ search: q, operand: 'AND', limit: '100' }).toString();
    return { method: 'GET', url, headers: { authorization: basic, accept: 'application/json' } };
  };
  const viaAddon = (q: string, i: number): RequestSpec => {
    const url = new URL('/invite/api/recipients', addonUrl);
    url.searchParams.set('q', q);
    return { method: 'GET', url, headers: { authorization: `JWT ${pick(tokens, i)}`, accept: 'application/json' }, keepBody: true };
  };
  const ok = async (spec: RequestSpec) => {
    const answer = await exchange(agent, { ...spec, keepBody: true });
    if (answer.status !== 200) throw new Error(`HTTP ${answer.status} from ${spec.url.pathname}${answer.body ? `: ${answer.body.slice(0, 200)}` : ''}`);
    return answer.body;
  };
  /** The people pages of a search, one after another, as the add-on's client follows `links.next` (at most 3). */
  const pages = async (q: string) => {
    let body = await ok(direct('/people', q));
    for (let page = 1; page < 3; page++) {
      const next = (JSON.parse(body) as { links?: { next?: string } }).links?.next;
      if (!next) return page;
      body = await ok({ method: 'GET', url: new URL(next, xmattersBaseUrl), headers: { authorization: basic, accept: 'application/json' } });
    }
    return 3;
  };
  const client = createXMattersClient({
    hostname: xmattersHostname,
    scheme: 'http',
    username: credentials.username,
    password: credentials.password,
    http: createOutboundHttp({ allowedHosts: [xmattersHostname], timeoutMs: 10_000 }),
  });

  const row = async (label: string, baseline: string, queries: string[], once: (q: string, i: number) => Promise<unknown>, goal?: LookupRow['goal']): Promise<LookupRow> => {
    const callsBefore = await sims.call<number>('apiCalls');
    const samples: number[] = [];
    const deadline = performance.now() + P.timeLimitMs;
    for (const [i, q] of queries.entries()) {
      if (performance.now() > deadline) break;
      const start = performance.now();
      // A lookup that fails measures nothing: the bench fails, as a webhook row does.
      await once(q, i).catch((err: unknown) => {
        throw new Error(`${label}, query "${q}": ${err instanceof Error ? err.message : String(err)}; the bench is not measuring what it says`);
      });
      samples.push(performance.now() - start);
    }
    return { label, baseline, samples, xmattersCalls: (await sims.call<number>('apiCalls')) - callsBefore, ...(goal ? { goal } : {}) };
  };

  try {
    // Warm the connections and code paths at no latency, with a query not among the measured ones.
    await ok(direct('/people', 'warm up'));
    await client.searchRecipients('warm up');
    await ok(viaAddon('warm up', 0));
    const multiPage: string[] = [];
    for (const q of await sims.call<string[]>('namePrefixes')) {
      if (multiPage.length >= P.multiPageQueries) break;
      if ((await pages(q)) >= 2) multiPage.push(q);
    }
    await sims.call('latency', P.xmattersLatencyMs);

    const single = '(a) xMatters alone: one GET /people?search= (baseline)';
    const paged = '(f) xMatters alone: the people pages one after another (baseline)';
    return [
      await row(single, single, queries, (q) => ok(direct('/people', q))),
      await row('(b) add-on GET /invite/api/recipients, cold', single, queries, (q, i) => ok(viaAddon(q, i)), 'cold'),
      await row('(c) add-on GET /invite/api/recipients, warm (cached)', single, queries, (q, i) => ok(viaAddon(q, i + 1)), 'warm'),
      await row('(d) people, then groups, one after the other', single, queries, async (q) => {
        await ok(direct('/people', q));
        await ok(direct('/groups', q));
      }),
      await row('(e) XMattersClient.searchRecipients in this process, no cache', single, queries, (q) => client.searchRecipients(q)),
      await row(paged, paged, multiPage, (q) => pages(q)),
      await row('(g) add-on GET /invite/api/recipients, cold, 2–3 pages', paged, multiPage, (q, i) => ok(viaAddon(q, i)), 'cold'),
      await row('(h) add-on GET /invite/api/recipients, warm, 2–3 pages', paged, multiPage, (q, i) => ok(viaAddon(q, i + 1)), 'warm'),
    ];
  } finally {
    await sims.call('latency', 0);
    agent.destroy();
  }
}

export const p50 = (row: LookupRow) => percentile(row.samples, 50);
