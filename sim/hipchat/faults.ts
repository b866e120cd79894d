import type { ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { delayAnswer, RandomFailures, randomFailuresSchema, type Failure, type RandomFailuresSpec } from '../random-failures';

export interface InjectedFailure {
  status: number;
  retryAfter?: number;
}

const failureSchema = z.object({
  count: z.number().int().min(0),
  status: z.number().int().min(400).max(599),
  retryAfter: z.number().int().min(0).optional(),
});

/** The body of `POST /_sim/faults`; every field is optional and only given fields change. */
export const faultsPatchSchema = z
  .object({
    latencyMs: z.number().int().min(0).max(60_000),
    floodControl: z.boolean(),
    down: z.boolean(),
    failNext: failureSchema,
    tokenFailNext: failureSchema,
    tokenHang: z.number().int().min(1).max(600_000).nullable(),
    /** A seeded share of `/v2` calls fails at random (sim/random-failures.ts); null stops it. */
    random: randomFailuresSchema.nullable(),
  })
  .partial()
  .strict();

/** The next `count` calls of one kind answer `status`. */
class FailureQueue {
  private pending: (InjectedFailure & { count: number }) | undefined;

  set(count: number, status: number, retryAfter: number | undefined): void {
    this.pending = count > 0 ? { count, status, ...(retryAfter === undefined ? {} : { retryAfter }) } : undefined;
  }

  take(): InjectedFailure | undefined {
    const pending = this.pending;
    if (!pending) return undefined;
    pending.count -= 1;
    if (pending.count <= 0) this.pending = undefined;
    return pending.retryAfter === undefined ? { status: pending.status } : { status: pending.status, retryAfter: pending.retryAfter };
  }

  snapshot() {
    return this.pending ? { ...this.pending } : null;
  }
}

/** Switches that make the simulated HipChat slow, failing, strict about flooding, or down. */
export class Faults {
  /** Added before every `/v2` response. */
  latencyMs = 0;
  /** 30 notifications per minute per room; on by default, as on HipChat. */
  floodControl = true;
  private isDown = false;
  private readonly restFailures = new FailureQueue();
  private readonly tokenFailures = new FailureQueue();
  private tokenHangMs: number | null = null;
  private held = 0;
  private randomFailures: RandomFailures | undefined;
  private readonly timers = new Set<NodeJS.Timeout>();

  /**
   * From now on a seeded share of `/v2` calls (token requests included) fails at random: 5xx, 429 with
   * Retry-After, a reset connection, or a hang past the client's timeout after which the call is still
   * done. Null stops it.
   */
  random(spec: RandomFailuresSpec | null): void {
    this.randomFailures = spec ? new RandomFailures(spec) : undefined;
  }

  /** The random failure for the current `/v2` call, if it draws one. */
  drawRandom(): Failure | undefined {
    return this.randomFailures?.draw();
  }

  /** Holds the answer of a call that drew a `timeout`; the call itself is done at once. */
  holdAnswer(res: ServerResponse, ms: number): void {
    delayAnswer(res, ms, this.timers);
  }

  close(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  /** The next `count` authenticated REST calls answer `status` (with `Retry-After` when given). */
  failNext(count: number, status: number, opts: { retryAfter?: number } = {}): void {
    this.restFailures.set(count, status, opts.retryAfter);
  }

  /** The next `count` requests to the token endpoint answer `status` with HipChat's error body. */
  tokenFailNext(count: number, status: number, opts: { retryAfter?: number } = {}): void {
    this.tokenFailures.set(count, status, opts.retryAfter);
  }

  /** Token requests are answered only after `ms` (so that clients time out); `null` answers at once again. */
  tokenHang(ms: number | null): void {
    this.tokenHangMs = ms;
  }

  /** Every `/v2` call (capabilities and token endpoint included) answers 503. */
  down(): void {
    this.isDown = true;
  }

  up(): void {
    this.isDown = false;
  }

  get unavailable(): boolean {
    return this.isDown;
  }

  /** Token requests waiting out `tokenHang` right now. */
  get heldTokenRequests(): number {
    return this.held;
  }

  /** Waits out `tokenHang`, if set; false when `signal` aborted first (the client gave up). */
  async holdTokenRequest(signal: AbortSignal): Promise<boolean> {
    if (this.tokenHangMs === null) return true;
    this.held += 1;
    try {
      await sleep(this.tokenHangMs, undefined, { signal });
      return true;
    } catch {
      return false;
    } finally {
      this.held -= 1;
    }
  }

  /** The failure to inject into the current REST call, if one is queued. */
  takeFailure(): InjectedFailure | undefined {
    return this.restFailures.take();
  }

  /** The failure to inject into the current token request, if one is queued. */
  takeTokenFailure(): InjectedFailure | undefined {
    return this.tokenFailures.take();
  }

  apply(patch: z.infer<typeof faultsPatchSchema>): void {
    if (patch.latencyMs !== undefined) this.latencyMs = patch.latencyMs;
    if (patch.floodControl !== undefined) this.floodControl = patch.floodControl;
    if (patch.down !== undefined) this.isDown = patch.down;
    if (patch.failNext) this.failNext(patch.failNext.count, patch.failNext.status, patch.failNext);
    if (patch.tokenFailNext) this.tokenFailNext(patch.tokenFailNext.count, patch.tokenFailNext.status, patch.tokenFailNext);
    if (patch.tokenHang !== undefined) this.tokenHang(patch.tokenHang);
    if (patch.random !== undefined) this.random(patch.random);
  }

  snapshot() {
    return {
      latencyMs: this.latencyMs,
      floodControl: this.floodControl,
      down: this.isDown,
      failNext: this.restFailures.snapshot(),
      tokenFailNext: this.tokenFailures.snapshot(),
      tokenHang: this.tokenHangMs,
      heldTokenRequests: this.held,
      random: this.randomFailures?.snapshot() ?? null,
    };
  }
}
