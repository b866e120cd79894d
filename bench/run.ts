import { cpus, loadavg, totalmem } from 'node:os';
import { performance } from 'node:perf_hooks';
import { benchLookups } from './lookup-bench';
import { PARAMS } from './params';
import type { CallCost } from './procs/cache-costs';
import { cacheCostTable, lookupTable, memoryTable, webhookTable } from './report';
import { startPeers } from './setup';
import { signedTokens } from './tokens';
import { benchWebhooks } from './webhook-bench';

// `npm run bench`: the performance goals of DESIGN §5, each measured against a baseline from the
// same run. See bench/README.md for what each table shows.

async function main(): Promise<void> {
  const started = performance.now();
  const cpu = cpus();
  console.log('# hipchat-xmatters-oncall benchmarks\n');
  console.log(`- node ${process.version}, ${process.platform}/${process.arch}, ${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM`);
  console.log(`- load average at start: ${loadavg().map((l) => l.toFixed(2)).join(' ')} (other work on the machine takes cores from the bench; server CPU µs/req is the figure least moved by it)`);
  console.log('- processes: this one is the load generator; the add-on, the bare Express baseline and the two simulators each run in their own, all on 127.0.0.1');

  const peers = await startPeers();
  try {
    const { webhook: w, lookup: l } = PARAMS;
    console.log(`- add-on: SQLite, delivery worker on, log level ${peers.addon.info.logLevel} to /dev/null (BENCH_LOG_LEVEL to change)`);
    console.log(`- webhooks: signed room_enter (user ${w.userId}, no invite waiting, room ${w.roomId}) as POST /webhooks/room_enter?signed_request=<JWT>; ${w.tokenPool} pre-signed JWTs used in turn; keep-alive node:http, concurrency ${w.concurrency}, ${w.warmup} warm-up + ${w.count} measured requests per row, a row cut at ${w.timeLimitMs / 1000} s`);
    console.log(`- lookups: ${l.queries} distinct "First Last" queries, one at a time; xMatters simulator latency ${l.xmattersLatencyMs} ms per API call; each row cut at ${l.timeLimitMs / 1000} s`);

    const [costToken] = signedTokens(1, peers.installation, { userId: w.userId, roomId: w.roomId });
    const costs = await peers.addon.call<CallCost[]>('cacheCosts', { oauthId: peers.installation.oauthId, token: costToken, iterations: PARAMS.cacheCosts.iterations });
    const webhooks = await benchWebhooks(peers.bare, peers.addon, peers.installation);
    const lookups = await benchLookups(peers.sims, peers.addon.info.baseUrl, peers.installation);

    console.log('\n## 1. Webhook acknowledgement\n');
    console.log(webhookTable(webhooks));
    console.log('\nPer call, inside the add-on process: what the installation cache saves, and what the JWT verification costs:\n');
    console.log(cacheCostTable(costs));
    console.log('\n## 2. Recipient lookup\n');
    console.log(lookupTable(lookups));
    console.log('\n## 3. Memory of the add-on process around the webhook load\n');
    console.log(memoryTable(webhooks));
    if (webhooks.profiles.length > 0) console.log(`\nCPU profiles of the add-on: ${webhooks.profiles.join(', ')} (npx tsx bench/profile-top.ts <file>)`);
  } finally {
    await peers.close();
  }
  console.log(`\n(run took ${((performance.now() - started) / 1000).toFixed(0)} s; load average at the end: ${loadavg().map((l) => l.toFixed(2)).join(' ')})`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
