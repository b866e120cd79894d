import { AsyncLocalStorage } from 'node:async_hooks';
import type { Knex } from 'knex';
import type { Logger } from '../logger';
import type { HipChatSpend, JobBudget } from '../outbox/budget';
import type { Db } from '../store/db';
import type { Job } from '../store/jobs';
import { WriteBatch } from '../store/write-batch';
import { recordCall, renewReservations, reservationFitsAt, reserveCalls, settleReservations, type HipChatLimits, type Reservation, type SlotUse } from '../store/hipchat-calls';

/** A running job's reservation, and how much of it its calls have used. */
interface Held {
  reserved: { notifications: number; others: number };
  used: { notifications: number; others: number };
}

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
 * the window frees); calls inside the job use that reservation — its slots already count, so they are
 * marked made when the job settles, in the commit that settles it — and calls past it or elsewhere
 * (routes) are recorded as they are made.
 */
export class HipChatBudget implements JobBudget {
  private readonly currentJob = new AsyncLocalStorage<{ jobId: number; installationId: string; held?: Held }>();
  /** Reservations granted to the jobs in hand (keyed by the claimed job, so a later claim starts afresh). */
  private readonly held = new WeakMap<Job, Held>();

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
    if (await this.writes.run((trx) => reserveCalls(trx, this.limits, reservation))) {
      this.held.set(job, { reserved: { notifications: spend.notifications, others: spend.hipchatCalls - spend.notifications }, used: { notifications: 0, others: 0 } });
      return { granted: true };
    }
    return { granted: false, retryAt: await reservationFitsAt(this.db, this.limits, reservation) };
  }

  within<T>(job: Job, work: () => Promise<T>): Promise<T> {
    return this.currentJob.run({ jobId: job.id, installationId: job.installationId, held: this.held.get(job) }, work);
  }

  renew(jobIds: number[]): Promise<void> {
    return renewReservations(this.db, jobIds);
  }

  /** Used slots become made calls, the others go back; may run twice (a shared commit rolled back), so it only reads `held`. */
  release(jobs: Job[], trx?: Knex.Transaction): Promise<void> {
    const uses: SlotUse[] = jobs.map((job) => {
      const held = this.held.get(job);
      if (!held) return { jobId: job.id, notifications: 0, others: 0, all: false };
      const { used, reserved } = held;
      return { jobId: job.id, ...used, all: used.notifications === reserved.notifications && used.others === reserved.others };
    });
    return trx ? settleReservations(trx, uses) : this.writes.run((batch) => settleReservations(batch, uses));
  }

  /** HipChatClient's hook, after each request it sent (answered or not). A failure to count is logged, never thrown. */
  readonly recordCall = async (installationId: string, call: { method: string; url: string }): Promise<void> => {
    const job = this.currentJob.getStore();
    try {
      const made = { installationId, ...classifyCall(call.method, call.url), jobId: job?.installationId === installationId ? job.jobId : null };
      const held = made.jobId !== null ? job?.held : undefined;
      if (held) {
        // A reserved slot of its kind: it counts already, and becomes a made call when the job settles.
        const kind = made.notification ? 'notifications' : 'others';
        if (held.used[kind] < held.reserved[kind]) {
          held.used[kind]++;
          return;
        }
      }
      // Past its reservation, or outside one: a row of its own.
      await this.writes.run((trx) => recordCall(trx, made));
    } catch (err) {
      this.log.warn({ err, installationId }, 'could not count a HipChat call against the budget');
    }
  };
}
