import type { Db } from '../store/db';
import { countRecent, type Job } from '../store/jobs';

/**
 * HipChat's limits, kept before HipChat has to refuse: flood control (30 notifications a minute per
 * room) and the rate limit (500 requests per 5 minutes per token, with a margin for calls made outside
 * the queue). Counted from jobs in the database (finished in the window, or running elsewhere), so
 * several instances share the budget.
 */
export const HIPCHAT_LIMITS = {
  perRoom: { max: 30, windowMs: 60_000 },
  perInstallation: { max: 480, windowMs: 5 * 60_000 },
};

export interface RateRule {
  /** Job kinds that share the budget. */
  kinds: string[];
  perRoom?: { max: number; windowMs: number };
  perInstallation?: { max: number; windowMs: number };
}

/** When the job may run: now (undefined), or the time a slot frees up. */
export async function nextAllowedAt(db: Db, rule: RateRule, job: Job, workerId: string, now: number): Promise<number | undefined> {
  const checks: Array<[{ max: number; windowMs: number }, number | null | undefined]> = [];
  if (rule.perRoom && job.roomId !== null) checks.push([rule.perRoom, job.roomId]);
  if (rule.perInstallation) checks.push([rule.perInstallation, undefined]);
  let waitUntil: number | undefined;
  for (const [limit, roomId] of checks) {
    const since = now - limit.windowMs;
    const { count, oldest } = await countRecent(db, { kinds: rule.kinds, installationId: job.installationId, roomId, since, workerId });
    if (count >= limit.max) {
      // A slot frees when the oldest finished job leaves the window; if all are still running, soon.
      const freesAt = oldest !== null && oldest > since ? oldest + limit.windowMs + 1 : now + 1000;
      waitUntil = Math.max(waitUntil ?? 0, freesAt);
    }
  }
  return waitUntil;
}
