import type { LookupRow } from './lookup-bench';
import { table } from './markdown';
import type { MemoryRow } from './memory-bench';
import type { IntakeReport } from './intake-bench';
import type { DrainReport } from './queue-bench';
import type { TokenReport } from './token-bench';
import type { Measured, Round } from './webhook-bench';
import { int, mb, ms, percentile } from './stats';

export interface Goal {
  /** The row's label in the webhook table. */
  label: string;
  minRatio: number;
  /** p99 at most this many times the baseline's p99. */
  maxP99Ratio?: number;
}

const median = (values: number[]) => percentile(values, 50);
const x = (ratio: number) => `${ratio.toFixed(2)}×`;
const cpuPerRequest = (m: Measured) => m.serverCpuMicros / m.result.requests;

/**
 * One line per server: req/s and p99 against the baseline of the same round, as the median of the
 * rounds and their spread (lowest–highest), and the verdict for its goal.
 */
export function webhookTable(rounds: Round[], goals: Goal[], skipped: Array<{ label: string; reason: string }>): string {
  const baselineRow = [
    'bare Express 5 + express.json(), 204 (baseline)',
    int(median(rounds.map((r) => r.baseline.result.rps))),
    '1.00×',
    '',
    `${median(rounds.map((r) => r.baseline.result.p50))} / ${median(rounds.map((r) => r.baseline.result.p99))}`,
    '1.00×',
    int(median(rounds.map((r) => cpuPerRequest(r.baseline)))),
    '1.00×',
    '',
  ];
  const labels = [...(rounds[0]?.rows.keys() ?? [])];
  const rows = labels.map((label) => {
    const runs = rounds.map((r) => ({ m: r.rows.get(label)!, base: r.baseline }));
    const ratios = runs.map(({ m, base }) => m.result.rps / base.result.rps);
    const p99Ratios = runs.map(({ m, base }) => m.result.p99 / Math.max(1, base.result.p99));
    const goal = goals.find((g) => g.label === label);
    return [
      label,
      int(median(runs.map(({ m }) => m.result.rps))),
      x(median(ratios)),
      `${x(Math.min(...ratios))}–${x(Math.max(...ratios))}`,
      `${median(runs.map(({ m }) => m.result.p50))} / ${median(runs.map(({ m }) => m.result.p99))}`,
      x(median(p99Ratios)),
      int(median(runs.map(({ m }) => cpuPerRequest(m)))),
      x(median(runs.map(({ m, base }) => cpuPerRequest(base) / cpuPerRequest(m)))),
      goal ? verdict(goal, median(ratios), median(p99Ratios)) : 'reference, no goal',
    ];
  });
  for (const { label, reason } of skipped) rows.push([label, '–', '–', '–', '–', '–', '–', '–', `skipped: ${reason}`]);
  return table(
    ['server', 'req/s (median)', 'vs baseline', 'spread over rounds', 'p50 / p99 ms', 'p99 vs baseline', 'server CPU µs/req', 'baseline CPU ÷ its CPU', 'goal'],
    [baselineRow, ...rows],
  );
}

function verdict(goal: Goal, ratio: number, p99Ratio: number): string {
  const parts = [`≥ ${goal.minRatio}×: ${ratio >= goal.minRatio ? 'met' : `NOT met (${x(ratio)})`}`];
  if (goal.maxP99Ratio !== undefined) parts.push(`p99 ≤ ${goal.maxP99Ratio}×: ${p99Ratio <= goal.maxP99Ratio ? 'met' : `NOT met (${x(p99Ratio)})`}`);
  return parts.join('; ');
}

export function lookupTable(rows: LookupRow[]): string {
  const p50Of = (label: string) => percentile(rows.find((r) => r.label === label)?.samples ?? [], 50);
  const goalOf = (row: LookupRow, p50: number, over: number) => {
    if (!row.goal) return '';
    if (row.goal === 'cold') return `≤ +5 ms over xMatters: ${over <= 5 ? 'met' : `NOT met (+${ms(over)} ms)`}`;
    return `≤ 2 ms: ${p50 <= 2 ? 'met' : `NOT met (${ms(p50)} ms)`}`;
  };
  return table(
    ['lookup', 'queries', 'p50 ms', 'p99 ms', 'p50 over its baseline', 'xMatters API calls', 'goal'],
    rows.map((row) => {
      const p50 = percentile(row.samples, 50);
      const over = p50 - p50Of(row.baseline);
      return [
        row.label,
        String(row.samples.length),
        ms(p50),
        ms(percentile(row.samples, 99)),
        row.baseline === row.label ? '(baseline)' : `${over >= 0 ? '+' : ''}${ms(over)} ms`,
        String(row.xmattersCalls),
        goalOf(row, p50, over),
      ];
    }),
  );
}

export function memoryTable(rows: MemoryRow[]): string {
  const loaded = rows[1]?.usage;
  const passes = rows.slice(2).map((r) => r.usage.heapUsed);
  const drift = passes.length ? Math.max(...passes) - Math.min(...passes) : NaN;
  const verdicts = [
    loaded ? `- RSS with the installations loaded and the jobs pending: ${mb(loaded.rss)} MB; goal ≤ 150 MB: ${loaded.rss <= 150 * 2 ** 20 ? 'met' : `NOT met (+${mb(loaded.rss - 150 * 2 ** 20)} MB)`}` : '',
    `- heap after GC across the passes: ${mb(Math.min(...passes))}–${mb(Math.max(...passes))} MB (spread ${mb(drift)} MB); goal flat (spread < 2 MB): ${drift < 2 * 2 ** 20 ? 'met' : 'NOT met'}`,
  ];
  return `${tableOf(rows, loaded)}\n\n${verdicts.join('\n')}`;
}

function tableOf(rows: MemoryRow[], loaded: MemoryRow['usage'] | undefined): string {
  return table(
    ['add-on process', 'RSS MB', 'heap used MB', 'heap total MB', 'external MB', 'heap used vs loaded'],
    rows.map(({ label, usage: u }, i) => [label, mb(u.rss), mb(u.heapUsed), mb(u.heapTotal), mb(u.external), loaded && i >= 1 ? `${u.heapUsed >= loaded.heapUsed ? '+' : ''}${mb(u.heapUsed - loaded.heapUsed)} MB` : '']),
  );
}

export function tokenTable(report: TokenReport): string {
  const grants = [...report.grants].sort((a, b) => a[0] - b[0]).map(([n, installations]) => `${installations} × ${n}`).join(', ');
  const rows = table(
    ['installations', 'notices queued', 'delivered', 'failed', 'seconds', 'notices/s', 'token grants during delivery (installations × grants)'],
    [[String(report.installations), int(report.notices), int(report.delivered), int(report.failed), report.seconds.toFixed(1), int(report.delivered / report.seconds), `${grants}${report.cutShort ? ' (cut at the time limit)' : ''}`]],
  );
  const once = report.grants.get(1) ?? 0;
  const verdict = `- goal one grant per installation per token lifetime: ${once === report.installations && !report.cutShort ? 'met' : `NOT met (${once} of ${report.installations} installations had exactly one${report.cutShort ? '; the queue did not finish in time' : ''})`}`;
  return `${rows}\n\n${verdict}`;
}

export function queueTable(reports: DrainReport[]): string {
  const rows = reports.map((r) => {
    if (r.skipped) return [r.label, '–', '–', '–', '–', '–', '–', `skipped: ${r.skipped}`];
    const rate = r.delivered / r.seconds;
    const refused = `${r.refusals.floodControl} flood control, ${r.refusals.rateLimit} rate limit`;
    let goal: string;
    if (r.flood) {
      const zero = r.refusals.floodControl + r.refusals.rateLimit === 0;
      goal = `0 × 429 and all delivered: ${zero && !r.cutShort && r.failed === 0 ? 'met' : 'NOT met'}; at most ${r.flood.maxInWindow} in any window of a room (limit 30); last notice of a room ${r.flood.spanSeconds.toFixed(1)} s after its first (exactly at the limit: ${r.flood.idealSeconds} s)`;
    } else goal = `≥ 500/s: ${rate >= 500 && !r.cutShort ? 'met' : `NOT met (${int(rate)}/s${r.cutShort ? ', cut at the time limit' : ''})`}`;
    return [r.label, int(r.notices), int(r.delivered), int(r.failed), r.seconds.toFixed(1), int(rate), refused, goal];
  });
  return table(['queue', 'notices', 'delivered', 'failed', 'seconds', 'notices/s', '429s at the simulator', 'goal'], rows);
}

export function intakeTable(r: IntakeReport): string {
  const met = r.rps >= 500 && r.lost === 0;
  return table(
    ['alert intake', 'connections', 'answered 200', 'alerts/s', 'p50 / p99 ms', 'stored (alerts rows)', 'notices queued', 'lost', 'goal'],
    [[
      'POST /alerts/<source>/<secret>, a HipChat notification body, SQLite',
      String(r.connections),
      int(r.accepted),
      int(r.rps),
      `${r.p50} / ${r.p99}`,
      int(r.stored),
      int(r.notices),
      String(r.lost),
      `≥ 500/s, 0 lost: ${met ? 'met' : `NOT met (${int(r.rps)}/s, ${r.lost} lost)`}`,
    ]],
  );
}
