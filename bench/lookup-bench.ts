import { performance } from 'node:perf_hooks';
import { createOutboundHttp } from '../lib/security/outbound';
import { createXMattersClient } from '../lib/xmatters/client';
import { exchange, keepAliveAgent, type RequestSpec } from './http';
import type { Child } from './ipc';
import { PARAMS } from './params';
import type { SimsInfo } from './procs/sims';
import { percentile } from './stats';
import { pick, signedTokens } from './tokens';

// Recipient lookup against an xMatters with a remote service's latency: one query at a time, as a
// user typing in the invite dialog would send them.

export interface LookupRow {
  label: string;
  samples: number[];
  failures: number;
  failureSample: string | undefined;
  /** xMatters API calls the simulator answered during the row. */
  xmattersCalls: number;
  note?: string;
}

const P = PARAMS.lookup;

export async function benchLookups(sims: Child<SimsInfo>, addonUrl: string, installation: { oauthId: string; oauthSecret: string }): Promise<LookupRow[]> {
  const queries = await sims.call<string[]>('queries', P.queries);
  const tokens = signedTokens(16, installation, { userId: 1, roomId: PARAMS.webhook.roomId });
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
    const answer = await exchange(agent, spec);
    if (answer.status !== 200) throw new Error(`HTTP ${answer.status} from ${spec.url.pathname}${answer.body ? `: ${answer.body.slice(0, 200)}` : ''}`);
  };
  const client = createXMattersClient({
    hostname: xmattersHostname,
    scheme: 'http',
    username: credentials.username,
    password: credentials.password,
    http: createOutboundHttp({ allowedHosts: [xmattersHostname], timeoutMs: 10_000 }),
  });

  const row = async (label: string, once: (q: string, i: number) => Promise<void>): Promise<LookupRow> => {
    const callsBefore = await sims.call<number>('apiCalls');
    const samples: number[] = [];
    let failures = 0;
    let failureSample: string | undefined;
    const deadline = performance.now() + P.timeLimitMs;
    for (const [i, q] of queries.entries()) {
      if (performance.now() > deadline) break;
      const start = performance.now();
      try {
        await once(q, i);
        samples.push(performance.now() - start);
      } catch (err) {
        failures++;
        failureSample ??= err instanceof Error ? err.message : String(err);
      }
    }
    return { label, samples, failures, failureSample, xmattersCalls: (await sims.call<number>('apiCalls')) - callsBefore };
  };

  try {
    // Warm the connections and code paths at no latency, with a query not among the measured ones.
    await ok(direct('/people', 'warm up'));
    await client.searchRecipients('warm up');
    const endpoint = await exchange(agent, viaAddon('warm up', 0));
    const hasEndpoint = endpoint.status !== 404;
    await sims.call('latency', P.xmattersLatencyMs);

    const rows: LookupRow[] = [];
    rows.push(await row('(a) xMatters alone: one GET /people?search= (baseline)', (q) => ok(direct('/people', q))));
    if (hasEndpoint) {
      rows.push(await row('(b) add-on GET /invite/api/recipients, cold', (q, i) => ok(viaAddon(q, i))));
      rows.push(await row('(c) add-on GET /invite/api/recipients, warm (cached)', (q, i) => ok(viaAddon(q, i + 1))));
    } else {
      const note = 'the endpoint answered 404: not there yet';
      rows.push({ label: '(b) add-on GET /invite/api/recipients, cold', samples: [], failures: 0, failureSample: undefined, xmattersCalls: 0, note });
      rows.push({ label: '(c) add-on GET /invite/api/recipients, warm (cached)', samples: [], failures: 0, failureSample: undefined, xmattersCalls: 0, note });
    }
    rows.push(await row('(d) people, then groups, one after the other', async (q) => {
      await ok(direct('/people', q));
      await ok(direct('/groups', q));
    }));
    rows.push(await row('(e) XMattersClient.searchRecipients in this process, no cache', async (q) => void (await client.searchRecipients(q))));
    return rows;
  } finally {
    await sims.call('latency', 0);
    agent.destroy();
  }
}

export const p50 = (row: LookupRow) => percentile(row.samples, 50);
