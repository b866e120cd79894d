import type { Knex } from 'knex';
import type { Logger } from '../logger';
import type { JobHandler } from '../outbox/worker';
import { enqueueJobs, type Job, type NewJob } from '../store/jobs';
import { ENDED_EVENT_STATUSES, findInvite, listRecipients, markNoAnswer } from '../store/invites';
import { findGlanceSettings } from '../store/settings';
import { glanceJob, roomSummary } from './glance';
import { nudgeNotice } from './notices';
import { noticeJob, type InviteDeps } from './service';

export const NUDGE_JOB = 'invite.nudge';

/**
 * The nudge of a new invite, due the installation's nudge time after it (read when the invite is
 * made): a job in the delivery queue, so it survives restarts and runs on whichever instance is up;
 * its dedupe key makes it one per invite.
 */
export async function nudgeJob(trx: Knex.Transaction, installationId: string, roomId: number, inviteId: string): Promise<NewJob> {
  const { nudgeMinutes } = await findGlanceSettings(trx, installationId);
  return { kind: NUDGE_JOB, installationId, roomId, payload: { inviteId, minutes: nudgeMinutes }, dedupeKey: `nudge:${inviteId}`, delayMs: nudgeMinutes * 60_000 };
}

/**
 * When the nudge time has passed: recipients who have not answered are marked no_answer (an answer
 * given later still counts), and — when nobody accepted and the invite is still on (sent, its event not
 * ended) — the room is told once, with the command that invites the next of the installation's "groups
 * to invite next", or the generic command when none is set or left.
 */
export function nudgeJobHandler(deps: InviteDeps): JobHandler {
  return {
    async run(job: Job, log: Logger) {
      const { inviteId, minutes } = job.payload as { inviteId: string; minutes: number };
      const invite = await findInvite(deps.db, inviteId);
      if (!invite) return;
      const over = invite.state === 'failed' || invite.state === 'no_event' || (invite.eventStatus !== null && ENDED_EVENT_STATUSES.includes(invite.eventStatus));
      if (over) return;
      const recipients = await listRecipients(deps.db, invite.id);
      const someoneCame = recipients.some((r) => r.state === 'accepted' || r.state === 'joined');
      const { nextGroup } = someoneCame ? { nextGroup: null } : await roomSummary(deps.db, invite.installationId, invite.roomId);
      await deps.db.transaction(async (trx) => {
        const marked = await markNoAnswer(trx, invite.id);
        await enqueueJobs(trx, [
          ...(marked > 0 ? [glanceJob(invite.installationId, invite.roomId)] : []),
          ...(someoneCame ? [] : [noticeJob(invite.installationId, invite.roomId, nudgeNotice(invite, minutes, nextGroup), `nudge-notice:${invite.id}`)]),
        ]);
      });
      deps.wake();
      log.info({ inviteId: invite.id, nudged: !someoneCame, nextGroup }, someoneCame ? 'nudge time passed; someone accepted' : 'nobody accepted: the room was nudged');
    },
  };
}
