import { cpus, loadavg, totalmem } from 'node:os';
import { performance } from 'node:perf_hooks';
import { ACE_PACKAGES } from './ace-install';
import { benchLookups } from './lookup-bench';
import { benchMemory } from './memory-bench';
import { PARAMS } from './params';
import { benchIntake } from './intake-bench';
import { benchQueue } from './queue-bench';
import { intakeTable, lookupTable, memoryTable, queueTable, tokenTable, webhookTable, type Goal } from './report';
import { MAIN_ROOM, startPeers, type Peers } from './setup';
import { signHipChatJwt } from '../sim/hipchat/jwt';
import { benchTokens } from './token-bench';
import { benchWebhooks, checkTheAddonVerifies, measure, type Server, type WebhookKind } from './webhook-bench';

// `npm run bench`: the performance goals of DESIGN §5 and issue 12, each measured against a baseline
// from the same run. See bench/README.md for what each table shows.

const ACK = 'add-on: signed room_exit, verified and acknowledged (204), no handler work';
const ENTER = 'add-on: signed room_enter, a user no invite waits for (204)';
const HELP = 'add-on: signed room_message "/oncall help", answered (200)';
const ACE = `atlassian-connect-express-hipchat 0.3.9 on Express 4: the same room_exit (204)`;
const GOALS: Goal[] = [
  { label: ACK, minRatio: 0.85, maxP99Ratio: 1.5 },
  { label: ENTER, minRatio: 0.6 },
  { label: HELP, minRatio: 0.5 },
];

const SECTIONS = ['webhooks', 'lookup', 'tokens', 'memory', 'queue', 'intake'];

async function webhooks(peers: Peers): Promise<void> {
  const w = PARAMS.webhook;
  console.log(`- webhooks: autocannon, ${w.connections} connections, ${w.warmupSeconds} s warm-up + ${w.seconds} s measured per row, ${w.rounds} rounds (baseline first in each); ${w.tokens} JWTs pre-signed for ${w.installations} installations, 1,000 rooms and 1,000 users, used in turn`);
  const servers: Server[] = [
    { label: ACK, child: peers.addon, kind: 'ack' },
    { label: ENTER, child: peers.addon, kind: 'enter' },
    { label: HELP, child: peers.addon, kind: 'help' },
  ];
  const skipped: Array<{ label: string; reason: string }> = [];
  if ('skipped' in peers.ace) skipped.push({ label: ACE, reason: peers.ace.skipped });
  else servers.push({ label: ACE, child: peers.ace, kind: 'ack' });
  const rounds = await benchWebhooks(peers.bare, servers, peers.tokens);
  console.log('\n## 1. Webhooks, against bare Express in the same round\n');
  console.log(webhookTable(rounds, GOALS, skipped));
  console.log(`\n(${ACE_PACKAGES.join(' + ')} installed into a temporary folder at bench time; its clientInfo served from memory, as its memory store does.)`);

  const profileDir = process.env.BENCH_CPU_PROF;
  if (profileDir) {
    // Profiling slows the process down, so profiled runs are extra and not in the tables.
    const profiles: string[] = [];
    for (const kind of ['ack', 'enter', 'help'] as WebhookKind[]) await measure(peers.addon, kind, peers.tokens, { dir: profileDir, name: `addon-${kind}`, files: profiles });
    console.log(`\nCPU profiles of the add-on: ${profiles.join(', ')} (npx tsx bench/profile-top.ts <file>)`);
  }
}

async function main(): Promise<void> {
  const started = performance.now();
  const cpu = cpus();
  const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');
  console.log('# hipchat-xmatters-oncall benchmarks\n');
  console.log(`- ${new Date().toISOString().slice(0, 10)}; node ${process.version}, ${process.platform}/${process.arch}, ${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM`);
  console.log(`- load average at start: ${load()} (other work on the machine takes cores from the bench: read the ratios, each to the baseline of its own round)`);
  console.log('- processes: this one is the load generator (autocannon); the add-on, the bare Express baseline, the reference stack and the two simulators each run in their own, all on 127.0.0.1');

  // BENCH_ONLY=webhooks,lookup,tokens,memory,queue,intake runs only the sections named (all by default).
  const only = new Set((process.env.BENCH_ONLY ?? 'webhooks,lookup,tokens,memory,queue,intake').split(',').map((s) => s.trim()).filter(Boolean));
  const unknown = [...only].filter((s) => !SECTIONS.includes(s));
  if (unknown.length) throw new Error(`BENCH_ONLY: unknown section ${unknown.join(', ')} (sections: ${SECTIONS.join(', ')})`);
  console.log(`- sections: ${SECTIONS.filter((s) => only.has(s)).join(', ')}`);

  if (['webhooks', 'lookup', 'tokens', 'memory'].some((s) => only.has(s))) {
    const peers = await startPeers({ reference: only.has('webhooks') });
    try {
      console.log(`- add-on: as \`npm start\` runs it (tsx), SQLite, delivery worker on, log level ${peers.addon.info.logLevel} to /dev/null (BENCH_LOG_LEVEL to change)`);
      await checkTheAddonVerifies(peers.addon.info.baseUrl, peers.tokens[0]!, peers.pageToken);
      if (only.has('webhooks')) await webhooks(peers);
      if (only.has('lookup')) {
        console.log(`\n## 2. Recipient lookup (xMatters simulator ${PARAMS.lookup.xmattersLatencyMs} ms late on every call; one query at a time)\n`);
        console.log(lookupTable(await benchLookups(peers.sims, peers.addon.info.baseUrl, peers.main)));
      }
      if (only.has('tokens')) {
        console.log('\n## 3. Token grants for room notices, counted at the HipChat simulator\n');
        console.log(tokenTable(await benchTokens(peers.sims, peers.addon)));
      }
      if (only.has('memory')) {
        console.log('\n## 4. Memory of the add-on process\n');
        const lookupToken = signHipChatJwt(peers.main.oauthId, peers.main.oauthSecret, { userId: 1, roomId: MAIN_ROOM, expiresInSeconds: 900 });
        const queries = await peers.sims.call<string[]>('queries', 200);
        console.log(memoryTable(await benchMemory(peers.addon, `http://${peers.sims.info.hipchatHost}`, peers.seeded, lookupToken, queries)));
      }
    } finally {
      await peers.close();
    }
  }
  if (only.has('queue')) {
    const q = PARAMS.queue;
    console.log(`\n## 5. Delivery queue: notices written to the jobs table in one transaction, drained by the add-on's worker into the HipChat simulator\n`);
    console.log(`(limits off: ${q.notices.toLocaleString('en-US')} notices, ${q.installations} installations, ${q.rooms} rooms, each installation its own rooms; flood control on: ${q.floodRooms} rooms × ${q.floodPerRoom}, one installation each, the window shortened to ${q.floodWindowMs / 1000} s at the simulator and in the add-on)\n`);
    console.log(queueTable(await benchQueue()));
  }
  if (only.has('intake')) {
    const i = PARAMS.intake;
    console.log(`\n## 6. Alert intake: autocannon, ${i.connections} connections, ${i.warmupSeconds} s warm-up + ${i.seconds} s measured, each alert its own (no dedupe); every answer must be 200, stored counted in the database after\n`);
    console.log(intakeTable(await benchIntake()));
  }
  console.log(`\n(run took ${((performance.now() - started) / 1000).toFixed(0)} s; load average at the end: ${load()})`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
