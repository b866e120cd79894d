import { randomUUID } from 'node:crypto';
import type { Logger } from '../logger';
import type { Db } from '../store/db';
import { claimJobs, completeJob, deferJob, failJob, pruneOldRows, renewLease, retryJob, type Job } from '../store/jobs';
import { backoffMs } from './backoff';
import { nextAllowedAt, type RateRule } from './limits';

/** What a handler throws to steer the retry; HipChatApiError and XMattersError have this shape. */
interface SteeringError {
  retryable?: boolean;
  retryAfterSeconds?: number;
  message?: string;
}

export interface JobHandler {
  run(job: Job, log: Logger): Promise<void>;
  /** Runs once when the job is given up (permanent error or attempts exhausted), e.g. to tell the room. */
  onFailed?(job: Job, error: string, log: Logger): Promise<void>;
  rateLimit?: RateRule;
  /** Posts into the job's room, so it waits while the room is archived. */
  roomBound?: boolean;
}

export interface WorkerOptions {
  db: Db;
  handlers: Record<string, JobHandler>;
  log: Logger;
  workerId?: string;
  pollMs?: number;
  leaseMs?: number;
  batchSize?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
}

const PRUNE_EVERY_MS = 10 * 60_000;

/**
 * The delivery queue's worker: claims due jobs with a lease, runs them (one at a time per room, so a
 * room's notices keep their order and its rate budget is counted right; rooms in parallel), and settles
 * each as done, retried with backoff, deferred for a rate limit, or failed.
 */
export class OutboxWorker {
  readonly workerId: string;
  private readonly pollMs: number;
  private readonly leaseMs: number;
  private readonly batchSize: number;
  private readonly backoffBaseMs: number;
  private readonly backoffMaxMs: number;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;
  private wakeRequested = false;
  private lastPrune = 0;
  private readonly roomBoundKinds: string[];

  constructor(private readonly opts: WorkerOptions) {
    this.workerId = opts.workerId ?? `worker-${randomUUID().slice(0, 8)}`;
    this.pollMs = opts.pollMs ?? 1000;
    this.leaseMs = opts.leaseMs ?? 60_000;
    this.batchSize = opts.batchSize ?? 20;
    this.backoffBaseMs = opts.backoffBaseMs ?? 2000;
    this.backoffMaxMs = opts.backoffMaxMs ?? 10 * 60_000;
    this.roomBoundKinds = Object.entries(opts.handlers).filter(([, h]) => h.roomBound).map(([kind]) => kind);
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  /** Stops polling and waits for the jobs in hand to settle. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** Polls now instead of at the next tick: called after enqueueing in this process. */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.wakeRequested = true;
      return;
    }
    this.schedule(0);
  }

  /** Claims and runs one batch; resolves with how many jobs it handled. */
  async runOnce(now = Date.now()): Promise<number> {
    const jobs = await claimJobs(this.opts.db, { workerId: this.workerId, now, leaseMs: this.leaseMs, limit: this.batchSize, roomBound: this.roomBoundKinds });
    const byRoom = new Map<string, Job[]>();
    for (const job of jobs) {
      const key = `${job.installationId}|${job.roomId ?? job.id}`;
      byRoom.set(key, [...(byRoom.get(key) ?? []), job]);
    }
    await Promise.all(
      [...byRoom.values()].map(async (roomJobs) => {
        for (const job of roomJobs) await this.runJob(job);
      }),
    );
    if (now - this.lastPrune > PRUNE_EVERY_MS) {
      this.lastPrune = now;
      await pruneOldRows(this.opts.db, now);
    }
    return jobs.length;
  }

  private schedule(delayMs: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.running = this.tick().finally(() => {
        this.running = undefined;
      });
    }, delayMs);
  }

  private async tick(): Promise<void> {
    let handled = 0;
    try {
      handled = await this.runOnce();
    } catch (err) {
      this.opts.log.error({ err }, 'outbox poll failed');
    }
    if (this.stopped) return;
    const again = handled > 0 || this.wakeRequested;
    this.wakeRequested = false;
    this.schedule(again ? 0 : this.pollMs);
  }

  private async runJob(job: Job): Promise<void> {
    const { db } = this.opts;
    const log = this.opts.log.child({ jobId: job.id, kind: job.kind, attempt: job.attempts });
    // Jobs of one room wait for each other, so renew the lease before this one starts.
    if (!(await renewLease(db, job, this.workerId, Date.now() + this.leaseMs))) return;
    const handler = this.opts.handlers[job.kind];
    if (!handler) {
      await failJob(db, job, this.workerId, `No handler for job kind ${job.kind}`);
      log.error('job of unknown kind failed');
      return;
    }
    if (handler.rateLimit) {
      const waitUntil = await nextAllowedAt(db, handler.rateLimit, job, this.workerId, Date.now());
      if (waitUntil !== undefined) {
        await deferJob(db, job, this.workerId, waitUntil);
        log.debug({ waitMs: waitUntil - Date.now() }, 'job waits for a rate limit');
        return;
      }
    }
    try {
      await handler.run(job, log);
      if (!(await completeJob(db, job, this.workerId))) log.warn('job finished after its lease was taken over');
    } catch (err) {
      await this.settleFailure(job, handler, err as SteeringError, log);
    }
  }

  private async settleFailure(job: Job, handler: JobHandler, err: SteeringError, log: Logger): Promise<void> {
    const { db } = this.opts;
    const message = String(err?.message ?? err).slice(0, 2000);
    const retryable = err?.retryable !== false;
    if (retryable && job.attempts < job.maxAttempts) {
      const wait = err.retryAfterSeconds !== undefined ? err.retryAfterSeconds * 1000 : backoffMs(job.attempts, this.backoffBaseMs, this.backoffMaxMs);
      await retryJob(db, job, this.workerId, Date.now() + wait, message);
      log.warn({ error: message, retryInMs: wait }, 'job failed; will retry');
      return;
    }
    if (!(await failJob(db, job, this.workerId, message))) return;
    log.error({ error: message, attempts: job.attempts }, retryable ? 'job gave up after its last attempt' : 'job failed permanently');
    try {
      await handler.onFailed?.(job, message, log);
    } catch (hookErr) {
      log.error({ err: hookErr }, 'failure hook failed');
    }
  }
}
