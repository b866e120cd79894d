import { performance } from 'node:perf_hooks';
import { exchange, keepAliveAgent, type RequestSpec } from './http';
import { percentile } from './stats';

// Closed-loop load: `concurrency` workers on keep-alive connections, each sending its next request
// when the previous answer is in, until `count` requests are done or the row's time is up. The
// warm-up may take a quarter of `timeLimitMs`; the measured phase gets what is left.

export interface LoadSpec {
  concurrency: number;
  warmup: number;
  count: number;
  /** The whole row's budget, warm-up included. */
  timeLimitMs: number;
  /** The i-th request (i counts warm-up and measured requests together). */
  request(i: number): RequestSpec;
  /** Answers that count as success. */
  expectStatus: number;
}

export interface LoadResult {
  completed: number;
  seconds: number;
  rps: number;
  p50: number;
  p99: number;
  /** Answers other than expectStatus, and failed exchanges, with a sample of each. */
  failures: number;
  failureSample: string | undefined;
  /** The row stopped at timeLimitMs before count requests. */
  cutShort: boolean;
  /** CPU (user + system) of this, the client, process over the measured phase, µs. */
  clientCpuMicros: number;
}

export async function runLoad(spec: LoadSpec, measured: { before(): Promise<void>; after(): Promise<void> }): Promise<LoadResult> {
  const agent = keepAliveAgent(spec.concurrency);
  const rowDeadline = performance.now() + spec.timeLimitMs;
  let next = 0;
  try {
    await phase(spec.warmup, spec.timeLimitMs / 4);
    await measured.before();
    const cpuBefore = process.cpuUsage();
    const result = await phase(spec.count, rowDeadline - performance.now());
    const cpu = process.cpuUsage(cpuBefore);
    await measured.after();
    return { ...result, clientCpuMicros: cpu.user + cpu.system };
  } finally {
    agent.destroy();
  }

  async function phase(count: number, timeLimitMs: number) {
    const latencies: number[] = [];
    let failures = 0;
    let failureSample: string | undefined;
    let issued = 0;
    const start = performance.now();
    const deadline = start + timeLimitMs;
    const worker = async () => {
      while (issued < count && performance.now() < deadline) {
        issued++;
        const request = spec.request(next++);
        try {
          const answer = await exchange(agent, request);
          latencies.push(answer.ms);
          if (answer.status !== spec.expectStatus) {
            failures++;
            failureSample ??= `HTTP ${answer.status}`;
          }
        } catch (err) {
          failures++;
          failureSample ??= err instanceof Error ? err.message : String(err);
        }
      }
    };
    await Promise.all(Array.from({ length: spec.concurrency }, worker));
    // A row of refusals (a missing endpoint, a rejected token) measures nothing: the bench fails.
    if (failures > 0) throw new Error(`${failures} of ${issued} requests did not get HTTP ${spec.expectStatus} (first: ${failureSample}); the bench is not measuring what it says`);
    const seconds = (performance.now() - start) / 1000;
    return {
      completed: latencies.length,
      seconds,
      rps: latencies.length / seconds,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      failures,
      failureSample,
      cutShort: issued < count,
    };
  }
}
