import type { Logger } from '../logger';
import type { JobHandler } from '../outbox/worker';
import { createInvite, noticeJob, type InviteDeps } from '../invites/service';
import { findAlert, findAlertForUpdate, markPosted, setAlertInvite } from '../store/alerts';
import { enqueueJobs, type Job } from '../store/jobs';
import { ALERT_JOB_KINDS, type AlertInviteJob } from './intake';
import { alertNotice } from './notices';

/**
 * The alert jobs for the outbox worker. Neither calls HipChat itself: the repeat job queues a room
 * notice (which waits its turn in HipChat's flood limit), the invite job writes an invite through
 * `createInvite`, whose trigger job calls xMatters.
 */
export function alertJobHandlers(deps: InviteDeps): Record<string, JobHandler> {
  return {
    [ALERT_JOB_KINDS.repeat]: {
      async run(job: Job, log: Logger) {
        const { alertId } = job.payload as { alertId: string };
        const posted = await deps.db.transaction(async (trx) => {
          const alert = await findAlertForUpdate(trx, alertId);
          if (!alert || alert.occurrences <= alert.postedOccurrences) return undefined;
          const notice = alertNotice(alert.notice, { id: alert.id, occurrences: alert.occurrences, test: alert.test });
          await enqueueJobs(trx, [noticeJob(alert.installationId, alert.roomId, notice, `alert:${alert.id}:${alert.occurrences}`)]);
          await markPosted(trx, alert.id, alert.occurrences, Date.now());
          return alert.occurrences;
        });
        if (posted === undefined) return;
        log.debug({ alertId, occurrences: posted }, 'alert repeat notice queued');
        deps.wake();
      },
    },
    [ALERT_JOB_KINDS.invite]: {
      async run(job: Job, log: Logger) {
        const invite = job.payload as AlertInviteJob;
        const alert = await findAlert(deps.db, invite.alertId);
        if (!alert) return; // its source or room was deleted meanwhile
        // The alert's id is the idempotency key: a job run twice still makes one invite.
        const { inviteId, created } = await createInvite(deps, {
          installationId: alert.installationId,
          roomId: alert.roomId,
          roomName: invite.roomName,
          inviterId: null,
          inviterName: invite.sourceName,
          inviterMention: null,
          description: invite.description,
          idempotencyKey: `alert-${alert.id}`,
          recipients: [{ targetName: invite.group, recipientType: 'GROUP', displayName: invite.group }],
        });
        await setAlertInvite(deps.db, alert.id, inviteId);
        log.info({ alertId: alert.id, inviteId, group: invite.group, created }, 'alert invited an xMatters group');
      },
    },
  };
}
