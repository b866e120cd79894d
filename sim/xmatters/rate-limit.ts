import type { SimPlan } from './plan-model';

// "The maximum number of requests you can submit within a one-minute period to xMatters is limited
// by your pricing plan. If you exceed this limit, your request will be rejected with a 429 error and
// will not be queued for processing." (flow-triggers.htm, E3). Counted per plan over the last
// simulated minute.

/** Takes a place in the plan's current minute, or says how many seconds until one frees up. */
export function takeTriggerSlot(plan: SimPlan, limitPerMinute: number, minuteMs: number, now = Date.now()): { ok: true } | { ok: false; retryAfterSeconds: number } {
  plan.recentTriggers = plan.recentTriggers.filter((at) => at > now - minuteMs);
  if (plan.recentTriggers.length >= limitPerMinute) {
    const oldest = plan.recentTriggers[0] ?? now;
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((oldest + minuteMs - now) / 1000)) };
  }
  plan.recentTriggers.push(now);
  return { ok: true };
}
