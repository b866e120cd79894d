import type { NextFunction, Request, Response } from 'express';
import { z } from 'zod';
import { delayAnswer, RandomFailures, randomFailuresSchema, type Failure, type RandomFailuresSpec } from '../random-failures';
import { sendError } from './http-errors';

/** The body of `POST /_sim/faults`; only the given fields change. */
export const faultsPatchSchema = z
  .object({
    latencyMs: z.number().int().min(0).max(120_000),
    down: z.boolean(),
    failNext: z.object({
      count: z.number().int().min(0),
      status: z.number().int().min(400).max(599),
      retryAfter: z.number().int().min(0).optional(),
    }),
    /** A seeded share of calls fails at random (sim/random-failures.ts); null stops it. */
    random: randomFailuresSchema.nullable(),
  })
  .partial()
  .strict();

/** Switches that make the simulated xMatters API slow, failing or down, like a real outage. */
export class Faults {
  /** Added before every `/api` answer. */
  latencyMs = 0;
  private isDown = false;
  private pending: { count: number; status: number; retryAfter: number | undefined } | undefined;
  private readonly timers = new Set<NodeJS.Timeout>();
  private randomFailures: RandomFailures | undefined;

  /** The next `count` API calls answer `status`, with `Retry-After` when `retryAfter` (seconds) is given. */
  failNext(count: number, status: number, opts: { retryAfter?: number } = {}): void {
    this.pending = count > 0 ? { count, status, retryAfter: opts.retryAfter } : undefined;
  }

  /**
   * From now on a seeded share of API calls fails at random: 5xx, 429 with Retry-After, a reset
   * connection, or a hang past the client's timeout after which the call is still done. Null stops it.
   */
  random(spec: RandomFailuresSpec | null): void {
    this.randomFailures = spec ? new RandomFailures(spec) : undefined;
  }

  /** Every API call answers 503 until up(). */
  down(): void {
    this.isDown = true;
  }

  up(): void {
    this.isDown = false;
  }

  reset(): void {
    this.latencyMs = 0;
    this.isDown = false;
    this.pending = undefined;
    this.randomFailures = undefined;
  }

  apply(patch: z.infer<typeof faultsPatchSchema>): void {
    if (patch.latencyMs !== undefined) this.latencyMs = patch.latencyMs;
    if (patch.down !== undefined) this.isDown = patch.down;
    if (patch.failNext) this.failNext(patch.failNext.count, patch.failNext.status, { retryAfter: patch.failNext.retryAfter });
    if (patch.random !== undefined) this.random(patch.random);
  }

  snapshot() {
    return { latencyMs: this.latencyMs, down: this.isDown, failNext: this.pending ? { ...this.pending } : null, random: this.randomFailures?.snapshot() ?? null };
  }

  /** Express middleware for the API routes. */
  readonly middleware = (req: Request, res: Response, next: NextFunction): void => {
    // Decided when the request arrives, so a request still waiting out `latencyMs` never takes a failure
    // queued after it came in.
    const down = this.isDown;
    const failure = down ? undefined : this.take();
    const random = down || failure ? undefined : this.randomFailures?.draw();
    if (random) return this.fail(random, req, res, next);
    const answer = () => {
      if (down) {
        sendError(res, 503, 'xMatters is temporarily unavailable.');
        return;
      }
      if (failure) {
        if (failure.retryAfter !== undefined) res.setHeader('Retry-After', String(failure.retryAfter));
        sendError(res, failure.status, failure.status === 429 ? 'Too many requests. Wait and retry.' : 'Simulated failure.');
        return;
      }
      next();
    };
    if (this.latencyMs === 0) return answer();
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      answer();
    }, this.latencyMs);
    this.timers.add(timer);
  };

  private fail(failure: Failure, req: Request, res: Response, next: NextFunction): void {
    switch (failure.kind) {
      case '5xx':
        sendError(res, failure.status, 'Simulated failure.');
        return;
      case '429':
        res.setHeader('Retry-After', String(failure.retryAfter));
        sendError(res, 429, 'Too many requests. Wait and retry.');
        return;
      case 'reset':
        req.socket.destroy();
        return;
      case 'timeout':
        delayAnswer(res, failure.hangMs, this.timers);
        next();
        return;
    }
  }

  close(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private take() {
    const pending = this.pending;
    if (!pending) return undefined;
    pending.count -= 1;
    if (pending.count <= 0) this.pending = undefined;
    return pending;
  }
}
