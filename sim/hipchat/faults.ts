import { z } from 'zod';

export interface InjectedFailure {
  status: number;
  retryAfter?: number;
}

/** The body of `POST /_sim/faults`; every field is optional and only given fields change. */
export const faultsPatchSchema = z
  .object({
    latencyMs: z.number().int().min(0).max(60_000),
    floodControl: z.boolean(),
    down: z.boolean(),
    failNext: z.object({
      count: z.number().int().min(0),
      status: z.number().int().min(400).max(599),
      retryAfter: z.number().int().min(0).optional(),
    }),
  })
  .partial()
  .strict();

/** Switches that make the simulated HipChat slow, failing, strict about flooding, or down. */
export class Faults {
  /** Added before every `/v2` response. */
  latencyMs = 0;
  /** 30 notifications per minute per room; on by default, as on HipChat. */
  floodControl = true;
  private isDown = false;
  private pending: (InjectedFailure & { count: number }) | undefined;

  /** The next `count` authenticated REST calls answer `status` (with `Retry-After` when given). */
  failNext(count: number, status: number, opts: { retryAfter?: number } = {}): void {
    this.pending = count > 0 ? { count, status, retryAfter: opts.retryAfter } : undefined;
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

  /** The failure to inject into the current call, if one is queued. */
  takeFailure(): InjectedFailure | undefined {
    const pending = this.pending;
    if (!pending) return undefined;
    pending.count -= 1;
    if (pending.count <= 0) this.pending = undefined;
    return { status: pending.status, retryAfter: pending.retryAfter };
  }

  apply(patch: z.infer<typeof faultsPatchSchema>): void {
    if (patch.latencyMs !== undefined) this.latencyMs = patch.latencyMs;
    if (patch.floodControl !== undefined) this.floodControl = patch.floodControl;
    if (patch.down !== undefined) this.isDown = patch.down;
    if (patch.failNext) {
      const { count, status, retryAfter } = patch.failNext;
      this.failNext(count, status, { retryAfter });
    }
  }

  snapshot() {
    return {
      latencyMs: this.latencyMs,
      floodControl: this.floodControl,
      down: this.isDown,
      failNext: this.pending ? { ...this.pending } : null,
    };
  }
}
