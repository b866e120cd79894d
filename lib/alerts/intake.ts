import type { Knex } from 'knex';
import { randomUUID } from 'node:crypto';
import { noticeJob } from '../invites/service';
import type { Db } from '../store/db';
import { addOccurrence, claimDedupeWindow, claimInviteWindow, insertAlert } from '../store/alerts';
import { enqueueJobs, type NewJob } from '../store/jobs';
import type { WriteBatch } from '../store/write-batch';
import type { EvaluatedAlert } from './evaluate';
import { alertNotice } from './notices';
import type { IntakeSource } from './source-cache';

export const ALERT_JOB_KINDS = {
  /** Posts "(×N)" for the repeats of an alert, at most once per repeat interval. */
  repeat: 'alert.repeat',
  /** Invites an xMatters group for an alert through the dialog's invite path. */
  invite: 'alert.invite',
} as const;

export interface IntakeDeps {
  db: Db;
  /** Nudges the local worker after jobs were written. */
  wake(): void;
  /** How long after an alert's last notice the next "(×N)" notice may follow. */
  repeatNoticeMs: number;
  /**
   * Where the transactions of concurrent bodies are committed together (one commit for the bodies that
   * arrived during the last one, instead of one each); each body's answer still waits for its commit.
   * Without it, each body has a transaction of its own.
   */
  writes?: WriteBatch;
}

export interface AcceptedAlert {
  id: string;
  roomId: number;
  occurrences: number;
  /** The xMatters group an invite was queued for. */
  invited: string | null;
}

export interface AlertInviteJob {
  alertId: string;
  group: string;
  description: string;
  roomName: string;
  sourceName: string;
}

/**
 * Stores a body's alerts and queues what they cause, in one transaction, so that an acknowledged alert
 * is never lost (it resolves once they are committed): a new alert's row and its room notice; a repeat's counter and (once per repeat interval)
 * the job that posts "(×N)"; an auto-invite at most once per key and window. No HipChat or xMatters call
 * is made here: the delivery queue makes them, within HipChat's flood limits. Test events fold into
 * nothing and invite no one.
 */
export async function acceptAlerts(deps: IntakeDeps, source: Pick<IntakeSource, 'id' | 'installationId' | 'name' | 'settings'>, alerts: EvaluatedAlert[], opts: { test: boolean }): Promise<AcceptedAlert[]> {
  const now = Date.now();
  const { settings } = source;
  const store = async (trx: Knex.Transaction) => {
    const results: AcceptedAlert[] = [];
    for (const alert of alerts) {
      const fresh = randomUUID();
      const window = { sourceId: source.id, keyHash: alert.keyHash, alertId: fresh, now };
      const id = opts.test || settings.dedupeMs === 0 ? fresh : await claimDedupeWindow(trx, { ...window, openUntil: now + settings.dedupeMs });
      const jobs: NewJob[] = [];
      const repeat = id === fresh ? undefined : await addOccurrence(trx, id, { notice: alert.notice, now });
      if (repeat) {
        jobs.push({
          kind: ALERT_JOB_KINDS.repeat,
          installationId: source.installationId,
          roomId: repeat.roomId,
          payload: { alertId: id },
          // Repeats until the job runs share it: one "(×N)" notice per interval, counted when it is posted.
          dedupeKey: `alert-repeat:${id}:${repeat.postedOccurrences}`,
          delayMs: Math.max(0, repeat.lastPostedAt + deps.repeatNoticeMs - now),
        });
        results.push({ id, roomId: repeat.roomId, occurrences: repeat.occurrences, invited: null });
      } else {
        // A new alert (or one whose row was pruned while its window stayed open: it starts again).
        await insertAlert(trx, { id, installationId: source.installationId, sourceId: source.id, roomId: alert.room.id, alertKey: alert.key, test: opts.test, notice: alert.notice, payload: alert.payload, now });
        jobs.push(noticeJob(source.installationId, alert.room.id, alertNotice(alert.notice, { id, occurrences: 1, test: opts.test }), `alert:${id}`));
        const invite = !opts.test && alert.invite && (await claimInviteWindow(trx, { ...window, alertId: id, openUntil: now + settings.inviteWindowMs })) ? alert.invite : null;
        if (invite) {
          const payload: AlertInviteJob = { alertId: id, group: invite.group, description: invite.description, roomName: alert.room.name, sourceName: source.name };
          jobs.push({ kind: ALERT_JOB_KINDS.invite, installationId: source.installationId, roomId: alert.room.id, payload, dedupeKey: `alert-invite:${id}` });
        }
        results.push({ id, roomId: alert.room.id, occurrences: 1, invited: invite?.group ?? null });
      }
      await enqueueJobs(trx, jobs);
    }
    return results;
  };
  // `store` writes only through its transaction and changes nothing else, so it may run again on its own
  // when a shared transaction fails.
  const accepted = deps.writes ? await deps.writes.run(store) : await deps.db.transaction(store);
  deps.wake();
  return accepted;
}
