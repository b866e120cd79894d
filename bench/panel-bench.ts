import { performance } from 'node:perf_hooks';
import { startWorld, installAndConfigure } from '../test/helpers/world';

// `npx tsx bench/panel-bench.ts`: what open room panels cost. Many panels of one room poll
// `GET /panel/api/room` as panel.js does; the table shows the answers per second, their latency and
// how many database queries they caused, next to `GET /glance` (HipChat's queryUrl, read fresh each
// time). Everything on 127.0.0.1 (both simulators and the add-on, SQLite), bounded in count and time.

const CONNECTIONS = 20;
const SECONDS = 4;
const MAX_REQUESTS = 50_000;

async function load(url: string, headers: Record<string, string>) {
  const latencies: number[] = [];
  const until = performance.now() + SECONDS * 1000;
  let failures = 0;
  const worker = async () => {
    while (performance.now() < until && latencies.length < MAX_REQUESTS) {
      const start = performance.now();
      const res = await fetch(url, { headers });
      await res.arrayBuffer();
      if (res.status !== 200) failures++;
      latencies.push(performance.now() - start);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: CONNECTIONS }, worker));
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return { requests: latencies.length, perSecond: latencies.length / elapsed, p50: at(0.5), p99: at(0.99), failures, elapsed };
}

async function main(): Promise<void> {
  const world = await startWorld({ worker: { pollMs: 200 } }, { LOG_LEVEL: 'silent' });
  try {
    const install = await installAndConfigure(world, 100);
    const token = world.hipchat.signJwt(install.oauthId, { userId: 1, roomId: 100 });
    const base = world.addon.baseUrl;
    // An invite of a group and five people, answered in part, as a busy room has.
    const sent = await fetch(`${base}/invite/api/invites`, {
      method: 'POST',
      headers: { Authorization: `JWT ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        recipients: ['Database', 'bsmith', 'mmcbride', 'carol.jones', 'dbrown'].map((targetName, i) => ({ targetName, type: i === 0 ? 'GROUP' : 'PERSON' })),
        description: 'Checkout is failing',
        idempotencyKey: 'panel-bench-invite',
      }),
    });
    if (sent.status !== 202) throw new Error(`invite: ${sent.status} ${await sent.text()}`);
    await world.xmatters.idle();
    const page = await (await fetch(`${base}/panel?signed_request=${token}`)).text();
    const pageToken = /<meta name="token" content="([^"]+)">/.exec(page)?.[1];
    if (!pageToken) throw new Error('the panel has no page token');

    let queries = 0;
    world.addon.addon.db.on('query', () => queries++);
    const rows: string[] = [];
    for (const [label, url, headers] of [
      ['GET /panel/api/room (the panels\' poll, per-room summary cached 2 s)', `${base}/panel/api/room`, { Authorization: `JWT ${pageToken}` }],
      ['GET /glance (HipChat\'s queryUrl, read fresh)', `${base}/glance?signed_request=${token}`, {}],
    ] as const) {
      const before = queries;
      const r = await load(url, headers);
      const used = queries - before;
      rows.push(`| ${label} | ${r.requests} | ${r.perSecond.toFixed(0)} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${used} | ${(used / r.requests).toFixed(3)} | ${r.failures} |`);
    }
    console.log(`Room panels: ${CONNECTIONS} connections, ${SECONDS} s per row, SQLite, one room with an invite of a group and five people.\n`);
    console.log('| endpoint | requests | req/s | p50 ms | p99 ms | DB queries (incl. the worker\'s) | queries per request | non-200 |');
    console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const row of rows) console.log(row);
  } finally {
    await world.close();
  }
}

await main();
