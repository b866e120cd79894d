import type { ServerResponse } from 'node:http';
import { z } from 'zod';

/**
 * Seeded random failures for both simulators' APIs: a share of calls fails in one of the ways a real
 * peer fails under trouble. The same seed and the same order of calls give the same failures.
 *
 * - `5xx`: an error answer (500, 502 or 503) and nothing done.
 * - `429`: "too many requests" with `Retry-After`, nothing done.
 * - `reset`: the connection is destroyed before anything is done (what a crashing load balancer does).
 * - `timeout`: the call is done at once but its answer is held for `hangMs` (longer than the client
 *   waits), so the work happens although the client gave up — the case that makes at-least-once
 *   delivery repeat a call.
 */
export const FAILURE_KINDS = ['5xx', '429', 'reset', 'timeout'] as const;
export type FailureKind = (typeof FAILURE_KINDS)[number];

export const randomFailuresSchema = z
  .object({
    rate: z.number().min(0).max(1),
    seed: z.number().int().min(0).max(2 ** 32 - 1).default(1),
    kinds: z.array(z.enum(FAILURE_KINDS)).min(1).default([...FAILURE_KINDS]),
    /** How long a `timeout` holds the call. */
    hangMs: z.number().int().min(1).max(600_000).default(15_000),
    /** The `Retry-After` of a `429`, in seconds. */
    retryAfterSeconds: z.number().int().min(0).max(3600).default(1),
  })
  .strict();

export type RandomFailuresSpec = z.input<typeof randomFailuresSchema>;

export type Failure =
  | { kind: '5xx'; status: 500 | 502 | 503 }
  | { kind: '429'; status: 429; retryAfter: number }
  | { kind: 'reset' }
  | { kind: 'timeout'; hangMs: number };

const SERVER_ERRORS = [500, 502, 503] as const;

/** mulberry32, as sim/xmatters/prng.ts: small, fast and seeded. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class RandomFailures {
  readonly spec: z.output<typeof randomFailuresSchema>;
  private readonly random: () => number;
  /** Calls seen, and the failures drawn by kind. */
  readonly counts: { calls: number } & Record<FailureKind, number> = { calls: 0, '5xx': 0, '429': 0, reset: 0, timeout: 0 };

  constructor(spec: RandomFailuresSpec) {
    this.spec = randomFailuresSchema.parse(spec);
    this.random = mulberry32(this.spec.seed);
  }

  /** Whether this call fails, and how. Draws exactly two numbers per call, failing or not. */
  draw(): Failure | undefined {
    this.counts.calls += 1;
    const fails = this.random() < this.spec.rate;
    const pick = this.random();
    if (!fails) return undefined;
    const kinds = this.spec.kinds;
    const kind = kinds[Math.min(kinds.length - 1, Math.floor(pick * kinds.length))]!;
    this.counts[kind] += 1;
    switch (kind) {
      case '5xx':
        // The fraction left after choosing the kind chooses the status.
        return { kind, status: SERVER_ERRORS[Math.floor(((pick * kinds.length) % 1) * SERVER_ERRORS.length)] ?? 500 };
      case '429':
        return { kind, status: 429, retryAfter: this.spec.retryAfterSeconds };
      case 'reset':
        return { kind };
      case 'timeout':
        return { kind, hangMs: this.spec.hangMs };
    }
  }

  snapshot() {
    return { ...this.spec, counts: { ...this.counts } };
  }
}

/**
 * Holds `res`'s answer for `ms` (the work behind it goes on at once); `timers` keeps the holds so a
 * closing simulator can drop them.
 */
export function delayAnswer(res: ServerResponse, ms: number, timers: Set<NodeJS.Timeout>): void {
  const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
  res.end = ((...args: unknown[]) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (!res.destroyed) end(...args);
    }, ms);
    timers.add(timer);
    return res;
  }) as ServerResponse['end'];
}
