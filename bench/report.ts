import type { CallCost } from './procs/cache-costs';
import type { LookupRow } from './lookup-bench';
import { table } from './markdown';
import type { WebhookReport } from './webhook-bench';
import { int, mb, ms, percentile } from './stats';

export function webhookTable({ rows }: WebhookReport): string {
  const baseline = rows[0]?.result.rps ?? NaN;
  return table(
    ['server', 'requests', 'req/s', 'vs baseline', 'p50 ms', 'p99 ms', 'server CPU µs/req', 'server CPU', 'client CPU', 'failures'],
    rows.map(({ label, result: r, serverCpuMicros }) => [
      label,
      `${int(r.completed)}${r.cutShort ? ' (cut at time limit)' : ''}`,
      int(r.rps),
      `${((100 * r.rps) / baseline).toFixed(0)} %`,
      ms(r.p50),
      ms(r.p99),
      int(serverCpuMicros / r.completed),
      `${((100 * serverCpuMicros) / 1e6 / r.seconds).toFixed(0)} %`,
      `${((100 * r.clientCpuMicros) / 1e6 / r.seconds).toFixed(0)} %`,
      r.failures === 0 ? '0' : `${r.failures} (${r.failureSample ?? ''})`,
    ]),
  );
}

export function cacheCostTable(costs: CallCost[]): string {
  return table(
    ['call (one after another, inside the add-on process)', 'calls', 'mean µs'],
    costs.map((c) => [c.name, int(c.iterations), c.meanMicros.toFixed(1)]),
  );
}

export function memoryTable({ memory }: WebhookReport): string {
  const first = memory[0]?.usage;
  return table(
    ['add-on process', 'RSS MB', 'heap used MB', 'heap total MB', 'external MB', 'heap used vs start'],
    memory.map(({ label, usage: u }) => [label, mb(u.rss), mb(u.heapUsed), mb(u.heapTotal), mb(u.external), first ? `${u.heapUsed >= first.heapUsed ? '+' : ''}${mb(u.heapUsed - first.heapUsed)} MB` : '']),
  );
}

export function lookupTable(rows: LookupRow[]): string {
  const baseline = percentile(rows[0]?.samples ?? [], 50);
  return table(
    ['lookup', 'queries', 'p50 ms', 'p99 ms', 'mean ms', 'p50 vs (a)', 'xMatters API calls', 'failures'],
    rows.map((row) => {
      if (row.note) return [row.label, '0', '–', '–', '–', '–', '–', row.note];
      const p50 = percentile(row.samples, 50);
      const mean = row.samples.reduce((a, b) => a + b, 0) / row.samples.length;
      return [
        row.label,
        String(row.samples.length),
        ms(p50),
        ms(percentile(row.samples, 99)),
        ms(mean),
        `${p50 - baseline >= 0 ? '+' : ''}${ms(p50 - baseline)} ms`,
        String(row.xmattersCalls),
        row.failures === 0 ? '0' : `${row.failures} (${row.failureSample ?? ''})`,
      ];
    }),
  );
}
