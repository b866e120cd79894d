import type { Logger } from '../logger';
import type { JobHandler } from '../outbox/worker';
import { enqueueJobs, type Job, type NewJob } from '../store/jobs';
import { findInvite, listActiveEventInvites, markSeen } from '../store/invites';
import { XMattersError } from '../xmatters/errors';
import type { RoomEvent } from './chat';
import type { RoomEventContext } from './command';
import type { ResponseDeps } from './responses';
import { JOB_KINDS } from './service';

/**
 * The room and its xMatters event share one timeline while an invite is active (seed 001's "and vice
 * versa"): what people write in the room is added to the event as a comment, with who wrote it
 * (`POST /events/{id}/annotations`, E27); comments added in xMatters come back through the plan's
 * comment webhook and are posted in the room (lib/invites/responses.ts). The add-on's own notices are
 * HipChat notifications, not messages, so they never reach xMatters; its own comments come back as
 * the integration user's and are not posted.
 */

/** How long after an invite its event still takes the room's messages (xMatters' default expiry is 3 hours, E18). */
export const TIMELINE_WINDOW_MS = 24 * 60 * 60_000;
/** The longest comment the add-on writes. */
const MAX_COMMENT = 2000;

interface CommentPayload {
  inviteId: string;
  comment: string;
}

/** A room message that is not a command: a comment on each active invite's event, when the admin allows it. */
export async function onTimelineMessage(deps: ResponseDeps, ctx: RoomEventContext, event: Extract<RoomEvent, { kind: 'message' }>): Promise<void> {
  const invites = await listActiveEventInvites(deps.db, ctx.installationId, ctx.roomId, Date.now() - TIMELINE_WINDOW_MS);
  if (invites.length === 0) return;
  const connection = await deps.connectionFor(ctx.installationId);
  if (!connection?.timeline.roomToXmatters) return;
  const text = `${event.from.name} in HipChat: ${event.text}`;
  const comment = text.length > MAX_COMMENT ? `${text.slice(0, MAX_COMMENT - 1)}…` : text;
  const jobs: NewJob[] = invites.map((invite) => ({
    kind: JOB_KINDS.comment,
    installationId: ctx.installationId,
    roomId: ctx.roomId,
    payload: { inviteId: invite.id, comment } satisfies CommentPayload,
    dedupeKey: `comment:${ctx.installationId}:${event.messageId}:${invite.id}`,
  }));
  // Marked seen with the comments it causes: HipChat delivering the message again adds nothing.
  const fresh = await deps.db.transaction(async (trx) => {
    if (!(await markSeen(trx, ctx.installationId, `msg:${event.messageId}`))) return false;
    await enqueueJobs(trx, jobs);
    return true;
  });
  if (fresh) {
    ctx.log.debug({ messageId: event.messageId, invites: invites.length }, 'room message queued as xMatters comments');
    deps.wake();
  }
}

/** Adds the comment to the invite's xMatters event; an event xMatters no longer has takes no comment. */
export function commentJobHandler(deps: ResponseDeps): JobHandler {
  return {
    async run(job: Job, log: Logger) {
      const p = job.payload as CommentPayload;
      const invite = await findInvite(deps.db, p.inviteId);
      if (!invite?.eventId) return;
      const connection = await deps.connectionFor(job.installationId);
      if (!connection?.timeline.roomToXmatters) return;
      try {
        await connection.client.addComment(invite.eventId, p.comment);
      } catch (err) {
        if (err instanceof XMattersError && err.status === 404) {
          log.info({ inviteId: invite.id }, 'the xMatters event is gone: the room message was not added to it');
          return;
        }
        throw err;
      }
    },
  };
}
