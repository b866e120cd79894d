import type { Logger } from '../logger';
import type { JobHandler } from '../outbox/worker';
import { enqueueJobs, type Job } from '../store/jobs';
import { findInvite, listRecipients, markSeen, upsertRecipient, type Invite } from '../store/invites';
import type { XMattersCallback } from '../xmatters/callbacks';
import type { XMattersConnection } from './xmatters-target';
import { JOB_KINDS, type InviteDeps } from './service';
import { deliveryFailedNotice, eventStatusNotice, responseNotice } from './notices';

/** The response options that mean yes or no; anything else is shown as it was answered. */
const ACCEPT = /^\s*(accept|accepted|on my way|ack|acknowledge|yes|join|joining)\b/i;
const DECLINE = /^\s*(decline|declined|reject|can'?t make it|cannot|unavailable|no)\b/i;

export class UnknownInvite extends Error {}

export interface ResponseDeps extends InviteDeps {
  connectionFor(installationId: string): Promise<XMattersConnection | undefined>;
}

/**
 * Applies one callback from xMatters to its invite, once: the callback's natural key is recorded with
 * a unique constraint in the same transaction as its effects, so a repeated delivery changes nothing.
 * Returns false for a duplicate.
 */
export async function applyCallback(deps: ResponseDeps, installationId: string, callback: XMattersCallback): Promise<boolean> {
  const inviteId = callback.properties.invite_id;
  const invite = inviteId ? await findInvite(deps.db, inviteId) : undefined;
  if (!invite || invite.installationId !== installationId) {
    throw new UnknownInvite(inviteId ? `No invite ${inviteId} belongs to these callback credentials` : 'The callback has no invite_id event property');
  }
  const detail = callback.kind === 'response' ? `${callback.response}|${callback.annotation ?? ''}` : callback.kind === 'deliveryStatus' ? `${callback.deliveryStatus}|${callback.device ?? ''}` : callback.status;
  const recipient = callback.kind === 'status' ? '' : callback.recipient;
  const key = `xm:${callback.eventIdentifier}|${recipient}|${callback.kind}|${detail}`;

  const fresh = await deps.db.transaction(async (trx) => {
    if (!(await markSeen(trx, installationId, key))) return false;
    const now = Date.now();
    if (callback.kind === 'response') {
      const accepted = ACCEPT.test(callback.response);
      const declined = !accepted && DECLINE.test(callback.response);
      await upsertRecipient(trx, invite.id, callback.recipient, {
        ...(accepted ? { state: 'accepted' as const } : declined ? { state: 'declined' as const } : {}),
        lastResponse: callback.response,
        comment: callback.annotation,
        device: callback.device,
        respondedAt: now,
      });
      await enqueueJobs(trx, [
        {
          kind: JOB_KINDS.response,
          installationId,
          roomId: invite.roomId,
          payload: { inviteId: invite.id, targetName: callback.recipient, response: callback.response, comment: callback.annotation, device: callback.device, accepted, declined },
        },
      ]);
    } else if (callback.kind === 'deliveryStatus') {
      const failed = /fail/i.test(callback.deliveryStatus);
      const current = (await listRecipients(trx, invite.id)).find((r) => r.targetName === callback.recipient);
      // A late delivery notice must not undo an answer already given.
      if (!current || current.state === 'sent' || current.state === 'delivered') {
        await upsertRecipient(trx, invite.id, callback.recipient, { state: failed ? 'failed' : 'delivered', device: callback.device });
      }
      if (failed) {
        const reason = deliveryReason(callback.message, callback.device);
        await enqueueJobs(trx, [noticeJob(invite, deliveryFailedNotice(invite, callback.recipient, reason))]);
      }
    } else if (/terminat|resolv|suspend/i.test(callback.status)) {
      await enqueueJobs(trx, [noticeJob(invite, eventStatusNotice(invite, callback.status))]);
    }
    return true;
  });
  if (fresh) deps.wake();
  return fresh;
}

function deliveryReason(message: string | null, device: string | null): string {
  if (message && /no devices/i.test(message)) return 'no devices';
  if (message) return message.replace(/^Failed sending to \S+:?\s*/i, '') || message;
  return device ? `delivery to ${device} failed` : 'delivery failed';
}

function noticeJob(invite: Invite, notice: ReturnType<typeof deliveryFailedNotice>) {
  return { kind: JOB_KINDS.notice, installationId: invite.installationId, roomId: invite.roomId, payload: { notice } };
}

interface ResponsePayload {
  inviteId: string;
  targetName: string;
  response: string;
  comment: string | null;
  device: string | null;
  accepted: boolean;
  declined: boolean;
}

/**
 * The chat side of a response: who the responder is (xMatters person), whether they are a HipChat user
 * (by email, else by mention name = targetName), inviting them into a private room they are not in,
 * and the notice that @mentions them.
 */
export function responseJobHandler(deps: ResponseDeps): JobHandler {
  return {
    roomBound: true,
    // Up to two user lookups (e-mail, mention name), the room and one page of its members, the invite, the notice.
    spends: { hipchatCalls: 6, notifications: 1 },
    async run(job: Job, log: Logger) {
      const p = job.payload as ResponsePayload;
      const invite = await findInvite(deps.db, p.inviteId);
      if (!invite) return;
      const person = await lookupPerson(deps, invite.installationId, p.targetName, log);
      const displayName = person?.displayName ?? p.targetName;
      let mention: string | null = null;
      if (p.accepted) {
        const user = await deps.chat.findUser(invite.installationId, { ...(person?.email ? { email: person.email } : {}), mentionName: p.targetName });
        if (user) {
          mention = user.mentionName;
          await upsertRecipient(deps.db, invite.id, p.targetName, { hipchatUserId: user.id, hipchatMention: user.mentionName });
          const room = await deps.chat.getRoom(invite.installationId, invite.roomId);
          if (room.isPrivate && !room.memberIds?.includes(user.id)) {
            await deps.chat.inviteToRoom(invite.installationId, invite.roomId, user.id, `${displayName} accepted an xMatters invite: ${invite.description}`);
          }
        }
      }
      const notice = responseNotice(invite, { displayName, targetName: p.targetName, response: p.response, comment: p.comment, device: p.device, mention, accepted: p.accepted, declined: p.declined });
      await deps.chat.postNotice(invite.installationId, invite.roomId, notice);
    },
  };
}

async function lookupPerson(deps: ResponseDeps, installationId: string, targetName: string, log: Logger) {
  try {
    const connection = await deps.connectionFor(installationId);
    return connection ? await connection.client.getPerson(targetName) : undefined;
  } catch (err) {
    // The name only makes the notice friendlier; the answer is posted without it.
    log.warn({ err: (err as Error).message, targetName }, 'could not look up the responder in xMatters');
    return undefined;
  }
}
