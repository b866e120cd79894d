import type { Knex } from 'knex';
import type { Job } from '../store/jobs';

/** What one run of a job may spend of HipChat's budget: REST calls, and how many of them are room notifications. */
export interface HipChatSpend {
  hipchatCalls: number;
  notifications: number;
}

/**
 * A budget shared by every instance, drawn on before a job runs (lib/hipchat/budget.ts keeps HipChat's).
 * Times are the database's.
 */
export interface JobBudget {
  /** Takes the job's declared spend, or says when enough of the budget frees up. */
  reserve(job: Job, spend: HipChatSpend): Promise<{ granted: true } | { granted: false; retryAt: number }>;
  /** Runs the job's work so that what it spends is taken from its reservation. */
  within<T>(job: Job, work: () => Promise<T>): Promise<T>;
  /** Keeps the reservations of jobs that are still running from ageing out. */
  renew(jobIds: number[]): Promise<void>;
  /** Gives back what the jobs reserved and did not spend; in `trx` when given (to share the commit that settles them). */
  release(jobs: Job[], trx?: Knex.Transaction): Promise<void>;
}
