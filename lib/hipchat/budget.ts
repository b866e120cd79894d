import { AsyncLocalStorage } from 'node:async_hooks';
import type { Knex } from 'knex';
import type { Logger } from '../logger';
import type { HipChatSpend, JobBudget } from '../outbox/budget';
import type { Db } from '../store/db';
import type { Job } from '../store/jobs';
import { WriteBatch } from '../store/write-batch';
import { recordCall, releaseReservations, renewReservations, reservationFitsAt, reserveCalls, type HipChatLimits, type Reservation } from '../store/hipchat-calls';

/**
 * HipChat's limits, kept before HipChat has to refuse (docs/hipchat-connect.md §5): 500 requests per
 * 5 minutes per token — 480 here: calls made by routes are recorded once made, not reserved, so a few
 * can land between a reservation's count and its insert — and flood control, 30 notifications a minute
 * per room.
 */
export const HIPCHAT_LIMITS: HipChatLimits = {
  perInstallation: { max: 480, windowMs: 5 * 60_000 },
  perRoomNotifications: { max: 30, windowMs: 60_000 },
};

/** What a REST call is, for the budget: its room, when the URL names one by id, and whether it posts a notification. */
export function classifyCall(method: string, url: string): { roomId: number | null; notification: boolean } {
  const room = /^\/?room\/(\d+)(\/|$|\?)/.exec(url);
  return {
    roomId: room ? Number(room[1]) : null,
    notification: method.toUpperCase() === 'POST' && /^\/?room\/[^/]+\/(notification|message)(\?|$)/.test(url),
  };
}

/**
 * Every HipChat REST call counted against its installation's budget, in the database so that all
 * instances share it. A job reserves what its handler declares before it runs (or is deferred to when
 * the window frees); calls inside the job use that reservation; calls elsewhere (routes) are recorded
 * as they are made.
 */
export class HipChatBudget implements JobBudget {
  private readonly currentJob = new AsyncLocalStorage<{ jobId: number; installationId: string }>();

  constructor(
    private readonly db: Db,
    private readonly log: Logger,
    private readonly limits: HipChatLimits = HIPCHAT_LIMITS,
    /** The reservations and counts of concurrent jobs committed together. */
    private readonly writes: WriteBatch = new WriteBatch(db),
  ) {}

  async reserve(job: Job, spend: HipChatSpend): Promise<{ granted: true } | { granted: false; retryAt: number }> {
    if (spend.hipchatCalls > this.limits.perInstallation.max || spend.notifications > Math.min(spend.hipchatCalls, this.limits.perRoomNotifications.max)) {
      throw new Error(`A ${job.kind} job declares ${spend.hipchatCalls} HipChat calls (${spend.notifications} notifications), more than a window holds`);
    }
    const reservation: Reservation = { installationId: job.installationId, roomId: job.roomId, jobId: job.id, calls: spend.hipchatCalls, notifications: spend.notifications };
    if (await this.writes.run((trx) => reserveCalls(trx, this.limits, reservation))) return { granted: true };
    return { granted: false, retryAt: await reservationFitsAt(this.db, this.limits, reservation) };
  }

  within<T>(job: Job, work: () => Promise<T>): Promise<T> {
    return this.currentJob.run({ jobId: job.id, installationId: job.installationId }, work);
  }

  renew(jobIds: number[]): Promise<void> {
    return renewReservations(this.db, jobIds);
  }

  release(jobs: Job[], trx?: Knex.Transaction): Promise<void> {
    const ids = jobs.map((job) => job.id);
    return trx ? releaseReservations(trx, ids) : this.writes.run((batch) => releaseReservations(batch, ids));
  }

  /** HipChatClient's hook, after each request it sent (answered or not). A failure to count is logged, never thrown. */
  readonly recordCall = async (installationId: string, call: { method: string; url: string }): Promise<void> => {
    const job = this.currentJob.getStore();
    try {
      const made = { installationId, ...classifyCall(call.method, call.url), jobId: job?.installationId === installationId ? job.jobId : null };
      await this.writes.run((trx) => recordCall(trx, made));
    } catch (err) {
      this.log.warn({ err, installationId }, 'could not count a HipChat call against the budget');
    }
  };
}
