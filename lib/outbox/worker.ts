import { randomUUID } from 'node:crypto';
import type { Logger } from '../logger';
import type { Db } from '../store/db';
import { claimJobs, completeJob, completeJobs, deferJob, failJob, pruneOldRows, renewLeases, retryJob, waitJob, type Job } from '../store/jobs';
import { recordDeliveries, recordDelivery, type DeliveryRecord } from '../store/activity';
import { backoffMs } from './backoff';
import { traced, type CallTrace } from './call-trace';
import type { HipChatSpend, JobBudget } from './budget';
import { lanesOf } from './lanes';
import { WriteBatch } from '../store/write-batch';

/** What a handler throws to steer the retry; HipChatApiError and XMattersError have this shape. */
interface SteeringError {
  retryable?: boolean;
  retryAfterSeconds?: number;
  message?: string;
  /** The job chose to wait for something to settle: not a failed attempt. */
  waited?: boolean;
  /** `rate_limited`: the peer refused with a 429 before doing anything, also not a failed attempt. */
  code?: string;
}

/**
 * How long after its creation a job may be told "not now" (rate limited, or waiting for something to
 * settle) without spending attempts; after that such waits count like failures, so it still ends.
 */
const FREE_WAITS_MS = 60 * 60_000;

export interface JobHandler {
  run(job: Job, log: Logger): Promise<void>;
  /**
   * Runs once when the job is given up (permanent error, attempts exhausted, or its worker stopped
   * while running it on its last attempt), e.g. to tell the room. It runs while the job is still
   * leased, before the job is marked failed, so it must be idempotent (dedupe keys).
   */
  onFailed?(job: Job, error: string, log: Logger): Promise<void>;
  /** The HipChat calls one run makes (at most, usually); reserved from the installation's budget before it runs. */
  spends?: HipChatSpend;
  /** Posts into the job's room: the room's jobs run in id order, and wait while the room is archived. */
  roomBound?: boolean;
}

export interface WorkerOptions {
  db: Db;
  handlers: Record<string, JobHandler>;
  log: Logger;
  /** HipChat's budget; without one, `spends` is not enforced. */
  budget?: JobBudget;
  workerId?: string;
  pollMs?: number;
  leaseMs?: number;
  batchSize?: number;
  /**
   * The most jobs the polling loop keeps in hand at once (default 100): it claims another
   * batch while earlier ones still run, so a few slow rooms do not hold up the rest of the queue.
   */
  maxInFlight?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** Where the settling writes of concurrent jobs are committed together (one of its own by default). */
  writes?: WriteBatch;
  /** Told how each run this worker made ended (for metrics: `outbox_jobs_total`). */
  onSettled?: (kind: string, outcome: Outcome) => void;
  /**
   * The longest wait between tries of a room-bound job (default 30 s): every later notice of its room
   * waits behind it, so under a flaky HipChat a long backoff would hold the whole room back.
   */
  roomBackoffMaxMs?: number;
}

const PRUNE_EVERY_MS = 10 * 60_000;

export type Outcome = 'done' | 'failed' | 'waits' | 'lost';

interface Completion {
  job: Job;
  /** It held a budget reservation, whose unused slots go back. */
  released: boolean;
  record: DeliveryRecord | undefined;
  log: Logger;
  resolve(completed: boolean): void;
  reject(err: unknown): void;
}

/**
 * The delivery queue's worker: claims due jobs with a lease (renewed while they run), runs them — a
 * room's jobs one after another in id order, everything else in parallel — and settles each as done,
 * retried with backoff, deferred for HipChat's budget, or failed. Every time it compares is the
 * database's, so instances with skewed clocks agree.
 */
export class OutboxWorker {
  readonly workerId: string;
  private readonly pollMs: number;
  private readonly leaseMs: number;
  private readonly batchSize: number;
  private readonly maxInFlight: number;
  private readonly backoffBaseMs: number;
  private readonly backoffMaxMs: number;
  private readonly roomBackoffMaxMs: number;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;
  private wakeRequested = false;
  private lastPrune = 0;
  private readonly roomBoundKinds: Set<string>;
  /**
   * Jobs this worker holds a lease on, whether a renewal found that lease taken over, and when (this
   * process's monotonic clock) the lease was last taken or renewed.
   */
  private readonly held = new Map<number, { lost: boolean; since: number }>();
  private readonly writes: WriteBatch;
  private heartbeat: NodeJS.Timeout | undefined;
  private renewing: Promise<void> | undefined;
  /** The polling loop's claims still running, each until all its lanes have settled. */
  private readonly inFlight = new Set<Promise<void>>();
  private inFlightJobs = 0;
  /** Jobs that ran to completion, waiting to be marked done together (one commit, a few statements). */
  private readonly completions: Completion[] = [];
  private completing = false;

  constructor(private readonly opts: WorkerOptions) {
    this.workerId = opts.workerId ?? `worker-${randomUUID().slice(0, 8)}`;
    this.pollMs = opts.pollMs ?? 1000;
    this.leaseMs = opts.leaseMs ?? 60_000;
    this.batchSize = opts.batchSize ?? 20;
    this.maxInFlight = Math.max(this.batchSize, opts.maxInFlight ?? 100);
    this.backoffBaseMs = opts.backoffBaseMs ?? 2000;
    this.backoffMaxMs = opts.backoffMaxMs ?? 10 * 60_000;
    this.writes = opts.writes ?? new WriteBatch(opts.db);
    this.roomBackoffMaxMs = opts.roomBackoffMaxMs ?? 30_000;
    this.roomBoundKinds = new Set(Object.entries(opts.handlers).filter(([, h]) => h.roomBound).map(([kind]) => kind));
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
    while (this.inFlight.size > 0) await Promise.all(this.inFlight);
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

  /** Claims and runs one batch; resolves with how many jobs it claimed. */
  async runOnce(): Promise<number> {
    const { jobs, settled } = await this.claimAndRun(this.batchSize);
    await settled;
    await this.pruneNowAndThen();
    return jobs.length;
  }

  /**
   * Claims up to `limit` jobs and starts their lanes; `settled` resolves once every lane has ended.
   * A room's later jobs are not claimable while an earlier one is leased (lib/store/jobs.ts), so
   * claims that overlap never run one room's jobs side by side.
   */
  private async claimAndRun(limit: number): Promise<{ jobs: Job[]; settled: Promise<void> }> {
    const jobs = await claimJobs(this.opts.db, { workerId: this.workerId, leaseMs: this.leaseMs, limit, kinds: Object.keys(this.opts.handlers), roomBound: [...this.roomBoundKinds] });
    const claimedAt = performance.now();
    const entries = jobs.map((job) => {
      const entry = { lost: false, since: claimedAt };
      this.held.set(job.id, entry);
      return entry;
    });
    this.startHeartbeat();
    const settled = Promise.all(lanesOf(jobs).map((lane) => this.runLane(lane))).then(
      () => undefined,
      (err: unknown) => this.opts.log.error({ err }, 'a lane of jobs ended with an error'),
    ).finally(() => {
      // Only this claim's own entries: a job settled here (put back) may already be in a later claim.
      jobs.forEach((job, i) => {
        if (this.held.get(job.id) === entries[i]) this.held.delete(job.id);
      });
      if (this.held.size === 0) this.stopHeartbeat();
    });
    return { jobs, settled };
  }

  private async pruneNowAndThen(): Promise<void> {
    // Pacing only: an interval on this instance's clock, never compared with stored times.
    if (Date.now() - this.lastPrune > PRUNE_EVERY_MS) {
      this.lastPrune = Date.now();
      await pruneOldRows(this.opts.db);
    }
  }

  private schedule(delayMs: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.running = this.tick().finally(() => {
        this.running = undefined;
      });
    }, delayMs);
  }

  /**
   * One poll of the loop: claims a batch when there is room for one (or nothing is in hand), and leaves
   * it running. It polls again at once while claims come back full and there is room; when the worker
   * is full, the end of a claim in hand brings the next poll; when nothing was due, pollMs later.
   */
  private async tick(): Promise<void> {
    let claimed = 0;
    let limit = 0;
    try {
      const room = this.maxInFlight - this.inFlightJobs;
      if (room >= this.batchSize || this.inFlightJobs === 0) {
        limit = Math.min(this.batchSize, room);
        const { jobs, settled } = await this.claimAndRun(limit);
        claimed = jobs.length;
        if (claimed > 0) this.track(claimed, settled);
      }
      await this.pruneNowAndThen();
    } catch (err) {
      this.opts.log.error({ err }, 'outbox poll failed');
    }
    if (this.stopped) return;
    const full = this.maxInFlight - this.inFlightJobs < this.batchSize && this.inFlightJobs > 0;
    const again = !full && ((limit > 0 && claimed === limit) || this.wakeRequested);
    this.wakeRequested = false;
    if (again) this.schedule(0);
    else if (!full) this.schedule(this.pollMs);
    // Full: `track` polls when a claim in hand ends.
  }

  private track(count: number, settled: Promise<void>): void {
    this.inFlightJobs += count;
    const done: Promise<void> = settled.finally(() => {
      this.inFlightJobs -= count;
      this.inFlight.delete(done);
      // Its jobs are settled: room for more, and a room's next job may have become due.
      if (!this.stopped) this.wake();
    });
    this.inFlight.add(done);
  }

  /**
   * A room's jobs in order. When a room-bound one has to wait (retry, budget, lost lease), the
   * room-bound ones behind it are put back unrun, to keep their order; the others still run.
   */
  private async runLane(lane: Job[]): Promise<void> {
    let blocked = false;
    for (const job of lane) {
      const roomBound = this.roomBoundKinds.has(job.kind);
      // Once settled, the job may be claimed again (by this worker too) before this lane goes on:
      // only this run's own entry is removed.
      const entry = this.held.get(job.id);
      const letGo = () => {
        if (this.held.get(job.id) === entry) this.held.delete(job.id);
      };
      if (blocked && roomBound) {
        if (!this.isLost(job)) await this.writes.run((trx) => deferJob(trx, job, this.workerId));
        letGo();
        continue;
      }
      let outcome: Outcome;
      try {
        outcome = await this.runJob(job);
      } catch (err) {
        this.opts.log.error({ err, jobId: job.id }, 'job could not be settled; its lease will run out');
        outcome = 'lost';
      }
      this.opts.onSettled?.(job.kind, outcome);
      // Settled (done, put back, or given up) or lost: no longer this worker's to renew, so the
      // heartbeat must not take the lease it no longer has for one taken over.
      letGo();
      if (roomBound && (outcome === 'waits' || outcome === 'lost')) blocked = true;
    }
  }

  private async runJob(job: Job): Promise<Outcome> {
    const { budget } = this.opts;
    const log = this.opts.log.child({ jobId: job.id, kind: job.kind, attempt: job.attempts });
    // A lane's later jobs waited for the earlier ones: make sure the lease is still this worker's.
    if (!(await this.confirmLease(job, log))) return 'lost';
    // Claims take only the kinds this worker has handlers for.
    const handler = this.opts.handlers[job.kind]!;
    if (job.attempts > job.maxAttempts) {
      const runs = job.abandonedRuns === 1 ? 'once' : `${job.abandonedRuns} times`;
      const message = `Its worker stopped while running it ${runs}; no attempts left (${job.maxAttempts} of ${job.maxAttempts} used)`;
      const outcome = await this.giveUp(job, handler, message, log);
      await this.record(job, outcome, undefined, message, log);
      return outcome;
    }
    const reserved = handler.spends && budget ? await budget.reserve(job, handler.spends) : undefined;
    if (reserved && !reserved.granted) {
      await this.writes.run((trx) => deferJob(trx, job, this.workerId, reserved.retryAt));
      log.debug({ retryAt: reserved.retryAt }, 'job waits for HipChat budget');
      return 'waits';
    }
    let failure: { error: unknown } | undefined;
    const run = traced(() => (budget ? budget.within(job, () => handler.run(job, log)) : handler.run(job, log)));
    try {
      await run.result;
    } catch (error) {
      failure = { error };
    }
    if (failure) {
      if (reserved) await budget!.release([job]);
      const err = failure.error as SteeringError & { status?: number };
      const outcome = await this.settleFailure(job, handler, err, log);
      await this.record(job, outcome, run.trace, String(err?.message ?? err), log, err?.status);
      return outcome;
    }
    if (this.isLost(job)) {
      if (reserved) await budget!.release([job]);
      log.warn('job finished after its lease was taken over; not settled here');
      return 'lost';
    }
    const completed = await this.complete({ job, released: Boolean(reserved), record: this.deliveryRecord(job, 'done', run.trace, null), log });
    return completed ? 'done' : this.lostAtSettle(log);
  }

  /**
   * Marks a job done, with its reservation's unused slots given back and its activity-log row, in one
   * commit; the jobs that finish while that commit is being written are marked done together in the
   * next (a statement for all of them, not a few per job). Resolves false when the lease was lost.
   */
  private complete(completion: Omit<Completion, 'resolve' | 'reject'>): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      this.completions.push({ ...completion, resolve, reject });
      void this.flushCompletions();
    });
  }

  private async flushCompletions(): Promise<void> {
    if (this.completing) return;
    this.completing = true;
    try {
      while (this.completions.length > 0) {
        const group = this.completions.splice(0, 200);
        let done: Set<number>;
        try {
          done = await this.writes.run(async (trx) => {
            const released = group.filter((c) => c.released).map((c) => c.job);
            if (released.length) await this.opts.budget!.release(released, trx);
            const completed = await completeJobs(trx, group.map((c) => c.job.id), this.workerId);
            const records = group.filter((c) => c.record && completed.has(c.job.id)).map((c) => c.record!);
            if (records.length) await recordDeliveries(trx, records);
            return completed;
          });
        } catch (err) {
          // One at a time, the log row on its own: a row that cannot be written must not undo a delivery.
          if (group.length > 1) this.opts.log.warn({ err, jobs: group.length }, 'could not mark jobs done together; marking each on its own');
          for (const c of group) await this.completeAlone(c);
          continue;
        }
        for (const c of group) c.resolve(done.has(c.job.id));
      }
    } finally {
      this.completing = false;
    }
  }

  private async completeAlone(c: Completion): Promise<void> {
    try {
      const completed = await this.writes.run(async (trx) => {
        if (c.released) await this.opts.budget!.release([c.job], trx);
        return completeJob(trx, c.job, this.workerId);
      });
      if (completed && c.record) await this.writeRecord(c.record, c.log);
      c.resolve(completed);
    } catch (err) {
      c.reject(err);
    }
  }

  /**
   * The activity log's row of a settled run: runs that called HipChat or xMatters, and every failure.
   * Never fails the job: the delivery happened (or not) whatever the log says.
   */
  private async record(job: Job, outcome: Outcome, trace: CallTrace | undefined, error: string | null, log: Logger, errorStatus?: number): Promise<void> {
    const row = this.deliveryRecord(job, outcome, trace, error, errorStatus);
    if (row) await this.writeRecord(row, log);
  }

  private deliveryRecord(job: Job, outcome: Outcome, trace: CallTrace | undefined, error: string | null, errorStatus?: number): DeliveryRecord | undefined {
    if (outcome === 'lost' || (outcome !== 'failed' && !trace?.calls)) return undefined;
    return {
      installationId: job.installationId,
      jobId: job.id,
      kind: job.kind,
      roomId: job.roomId,
      peer: trace?.last?.peer ?? null,
      outcome: outcome === 'done' ? 'delivered' : outcome === 'failed' ? 'failed' : 'retrying',
      statusCode: errorStatus ?? trace?.last?.status ?? null,
      error: outcome === 'done' ? null : error,
      attempts: Math.min(job.attempts, job.maxAttempts),
    };
  }

  private async writeRecord(row: DeliveryRecord, log: Logger): Promise<void> {
    try {
      // Shares the commit of the settling writes around it (on SQLite a sync to disk per row otherwise).
      await this.writes.run((trx) => recordDelivery(trx, row));
    } catch (err) {
      log.warn({ err }, 'could not write the activity log');
    }
  }

  private async settleFailure(job: Job, handler: JobHandler, err: SteeringError, log: Logger): Promise<Outcome> {
    const message = String(err?.message ?? err).slice(0, 2000);
    if (this.isLost(job)) {
      log.warn({ error: message }, 'job failed after its lease was taken over; not settled here');
      return 'lost';
    }
    const retryable = err?.retryable !== false;
    // "Not now" is not a failure: a 429 with its Retry-After, or a deliberate wait, puts the job back
    // without spending the attempt, as waiting for HipChat's budget does. Otherwise a few rate limits
    // among real failures would give an invite up while the peer works.
    const notNow = retryable && (err?.waited === true || err?.code === 'rate_limited');
    if (notNow) {
      const wait = err.retryAfterSeconds !== undefined ? err.retryAfterSeconds * 1000 : this.backoff(job);
      if (!(await this.writes.run((trx) => waitJob(trx, job, this.workerId, wait, message, FREE_WAITS_MS)))) return this.lostAtSettle(log);
      log.info({ error: message, retryInMs: wait }, 'job told to wait; will run again without spending an attempt');
      return 'waits';
    }
    if (retryable && job.attempts < job.maxAttempts) {
      const wait = err.retryAfterSeconds !== undefined ? err.retryAfterSeconds * 1000 : this.backoff(job);
      if (!(await this.writes.run((trx) => retryJob(trx, job, this.workerId, wait, message)))) return this.lostAtSettle(log);
      log.warn({ error: message, retryInMs: wait }, 'job failed; will retry');
      return 'waits';
    }
    log.error({ error: message, attempts: job.attempts }, retryable ? 'job gave up after its last attempt' : 'job failed permanently');
    return this.giveUp(job, handler, message, log);
  }

  /** Exponential backoff, capped lower for a room-bound job, which holds up its room. */
  private backoff(job: Job): number {
    const max = this.roomBoundKinds.has(job.kind) ? Math.min(this.backoffMaxMs, this.roomBackoffMaxMs) : this.backoffMaxMs;
    return backoffMs(job.attempts, this.backoffBaseMs, max);
  }

  /** The failure hook, then the job marked failed: a crash in between runs the hook again rather than never. */
  private async giveUp(job: Job, handler: JobHandler, message: string, log: Logger): Promise<Outcome> {
    if (!(await this.confirmLease(job, log))) return 'lost';
    try {
      await handler.onFailed?.(job, message, log);
    } catch (hookErr) {
      log.error({ err: hookErr }, 'failure hook failed');
    }
    if (!(await this.writes.run((trx) => failJob(trx, job, this.workerId, message)))) return this.lostAtSettle(log);
    if (job.attempts > job.maxAttempts) log.error({ error: message }, 'job given up: its worker kept stopping while running it');
    return 'failed';
  }

  private lostAtSettle(log: Logger): Outcome {
    log.warn('lease was taken over before the job could be settled');
    return 'lost';
  }

  private isLost(job: Job): boolean {
    return this.held.get(job.id)?.lost ?? true;
  }

  private async confirmLease(job: Job, log: Logger): Promise<boolean> {
    const entry = this.held.get(job.id);
    // Taken or renewed within the last third of a lease: it has two thirds left, and nobody takes over
    // a lease before it runs out (both durations, not times, so the clocks need not agree).
    if (entry && !entry.lost && performance.now() - entry.since < this.leaseMs / 3) return true;
    const renewedAt = performance.now();
    if (!this.isLost(job) && (await this.writes.run((trx) => renewLeases(trx, this.workerId, [job.id], this.leaseMs))).has(job.id)) {
      if (entry) entry.since = renewedAt;
      return true;
    }
    this.markLost(job.id, log);
    return false;
  }

  private markLost(jobId: number, log: Logger): void {
    const entry = this.held.get(jobId);
    if (!entry || entry.lost) return;
    entry.lost = true;
    log.warn({ jobId }, 'lease lost: another worker may run this job, so this one will not settle it');
  }

  /** Renews the leases (and budget reservations) of every job in hand, a few times per lease. */
  private startHeartbeat(): void {
    if (this.heartbeat || this.held.size === 0) return;
    this.heartbeat = setInterval(() => {
      this.renewing ??= this.renew().finally(() => (this.renewing = undefined));
    }, Math.max(10, Math.floor(this.leaseMs / 3)));
    // The jobs' own work keeps the process alive; a renewal alone should not.
    this.heartbeat.unref();
  }

  private stopHeartbeat(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }

  private async renew(): Promise<void> {
    const ids = [...this.held].filter(([, entry]) => !entry.lost).map(([id]) => id);
    try {
      const renewedAt = performance.now();
      const kept = await renewLeases(this.opts.db, this.workerId, ids, this.leaseMs);
      for (const id of ids) {
        const entry = this.held.get(id);
        if (!kept.has(id)) this.markLost(id, this.opts.log);
        else if (entry) entry.since = renewedAt;
      }
      await this.opts.budget?.renew([...kept]);
    } catch (err) {
      this.opts.log.warn({ err }, 'could not renew leases; will try again');
    }
  }
}
