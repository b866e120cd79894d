import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import type { Logger } from '../logger';
import type { JobHandler } from '../outbox/worker';
import { enqueueJobs, type Job } from '../store/jobs';
import { findInvite, findInviteByEvent, listAllActiveEventInvites, listRecipients, markNoAnswer, markSeen, recordEscalation, updateInvite, upsertRecipient, type Invite } from '../store/invites';
import { glanceJob } from './glance';
import { keptText, type XMattersCallback } from '../xmatters/callbacks';
import type { XMattersConnection } from './xmatters-target';
import { JOB_KINDS, RECONCILE_EVERY_MS, RECONCILE_FOR_MS, noticeJob, reconcileJob, type InviteDeps } from './service';
import { DEFAULT_ANSWERS, answerMeaning } from './answers';
import type { RoomNotice } from './chat';
import { deliveryFailedNotice, eventStatusNotice, recipientFailureNotice, responseNotice, xmattersCommentNotice, type MatchRule } from './notices';

export class UnknownInvite extends Error {
  override readonly name = 'UnknownInvite';
}

export interface ResponseDeps extends InviteDeps {
  connectionFor(installationId: string): Promise<XMattersConnection | undefined>;
}

/** One authenticated xMatters callback: whose it is and where its lines are logged (cf. HipChatContext). */
export interface CallbackContext {
  installationId: string;
  log: Logger;
}

export type CallbackOutcome = 'applied' | 'duplicate' | 'ignored';

type CallbackOf<K extends XMattersCallback['kind']> = Extract<XMattersCallback, { kind: K }>;
type Trx = Knex.Transaction;
interface EffectContext {
  invite: Invite;
  connection: XMattersConnection | undefined;
}
/** What a callback does to its invite, inside the transaction that records it as seen. */
type CallbackEffect<K extends XMattersCallback['kind']> = (trx: Trx, ctx: EffectContext, callback: CallbackOf<K>) => Promise<void>;

/**
 * Applies one callback from xMatters to its invite, once: its natural key (hashed, so two long comments
 * never collide) is recorded under a unique constraint in the same transaction as its effects, so a
 * repeated delivery changes nothing. The invite is found by the `invite_id` the plan flags for outbound
 * integrations, else by the event id recorded when the event was confirmed. Kinds the add-on does not
 * use are acknowledged and ignored.
 */
export async function applyCallback(deps: ResponseDeps, ctx: CallbackContext, callback: XMattersCallback): Promise<CallbackOutcome> {
  if (callback.kind === 'other' || (callback.kind === 'escalation' && !callback.group)) return 'ignored';
  const inviteId = callback.properties.invite_id;
  const invite = inviteId
    ? await findInvite(deps.db, inviteId)
    : await findInviteByEvent(deps.db, ctx.installationId, callback.eventIdentifier);
  if (!invite || invite.installationId !== ctx.installationId) {
    throw new UnknownInvite(
      inviteId ? `No invite ${inviteId.slice(0, 100)} belongs to these callback credentials` : `No invite of these callback credentials has the xMatters event ${callback.eventIdentifier}, and the callback has no invite_id property`,
    );
  }
  const connection = await deps.connectionFor(ctx.installationId);
  const effect = CALLBACK_EFFECTS[callback.kind] as CallbackEffect<XMattersCallback['kind']>;
  const fresh = await deps.db.transaction(async (trx) => {
    if (!(await markSeen(trx, ctx.installationId, naturalKey(callback)))) return false;
    await effect(trx, { invite, connection }, callback);
    // What the room's glance shows may have changed; its job pushes only a change (lib/invites/glance.ts).
    if (callback.kind !== 'comment') await enqueueJobs(trx, [glanceJob(invite.installationId, invite.roomId)]);
    return true;
  });
  if (fresh) deps.wake();
  return fresh ? 'applied' : 'duplicate';
}

/**
 * `xmatters.reconcile`: reads the event's responses back from xMatters ("Get user delivery data", E17)
 * and applies each through applyCallback, as if its outbound-integration webhook had come: the same
 * natural key (recipient, response, comment, device — all of which the REST answer has too), so a
 * response that came both ways is applied once. A webhook xMatters gave up on (its sender retries for a
 * few seconds only) is found this way. Again every RECONCILE_EVERY_MS while the event is active, for at
 * most RECONCILE_FOR_MS after the invite (the event's expiry, E18).
 */
export function reconcileJobHandler(deps: ResponseDeps): JobHandler {
  return {
    async run(job: Job, log: Logger) {
      const { inviteId } = job.payload as { inviteId: string };
      const invite = await findInvite(deps.db, inviteId);
      if (!invite || invite.eventId === null || invite.eventIdentifier === null || !eventActive(invite)) return;
      const target = await deps.xmattersFor(invite.installationId);
      if (!target) return;
      const responses = await target.client.listResponses(invite.eventId);
      let applied = 0;
      for (const r of responses) {
        const outcome = await applyCallback(deps, { installationId: invite.installationId, log }, {
          kind: 'response',
          eventIdentifier: invite.eventIdentifier,
          date: null,
          properties: { invite_id: invite.id },
          recipient: r.targetName,
          response: r.response,
          annotation: r.comment,
          device: r.device,
        });
        if (outcome === 'applied') applied++;
      }
      if (applied > 0) log.warn({ inviteId, applied }, 'responses missed by the callbacks were read back from xMatters');
      const every = deps.reconcileEveryMs ?? RECONCILE_EVERY_MS;
      if (Date.now() + every < invite.createdAt + RECONCILE_FOR_MS) {
        await enqueueJobs(deps.db, [reconcileJob(invite, every, every)]);
        deps.wake();
      }
    },
  };
}

function eventActive(invite: Invite): boolean {
  return invite.state === 'confirmed' && !/terminat|suspend|resolv/i.test(invite.eventStatus ?? '');
}

/**
 * At start-up: a read-back now for every invite whose event is still active, since callbacks may have
 * gone unanswered while the add-on was down. Keyed by the start, so each start gets its own.
 */
export async function reconcileAtStart(deps: ResponseDeps): Promise<number> {
  const started = Date.now();
  const invites = await listAllActiveEventInvites(deps.db, started - RECONCILE_FOR_MS);
  if (invites.length === 0) return 0;
  await enqueueJobs(deps.db, invites.map((invite) => ({ ...reconcileJob(invite, 0), dedupeKey: `reconcile:${invite.id}:start:${started}` })));
  deps.wake();
  return invites.length;
}

/** Everything that tells one callback from another, hashed to fit the key column. */
function naturalKey(callback: XMattersCallback): string {
  const parts =
    callback.kind === 'response' ? [callback.recipient, callback.response, callback.annotation ?? '', callback.device ?? '']
    : callback.kind === 'deliveryStatus' ? [callback.recipient, callback.deliveryStatus, callback.device ?? '', callback.message ?? '']
    : callback.kind === 'status' ? [callback.status.toLowerCase()]
    : callback.kind === 'comment' ? [callback.commentId ?? '', callback.author.targetName ?? '', callback.comment]
    : callback.kind === 'recipientFailure' ? [callback.recipient, callback.reason ?? '', callback.message ?? '']
    : callback.kind === 'escalation' ? [callback.group ?? '', callback.date ?? '', ...callback.recipients]
    : [];
  const digest = createHash('sha256').update(JSON.stringify([callback.eventIdentifier, callback.kind, ...parts])).digest('base64url');
  return `xm:${callback.eventIdentifier}:${digest}`;
}

const notice = (invite: Invite, n: RoomNotice) => noticeJob(invite.installationId, invite.roomId, n);

const CALLBACK_EFFECTS: { [K in Exclude<XMattersCallback['kind'], 'other'>]: CallbackEffect<K> } = {
  async response(trx, { invite, connection }, callback) {
    const meaning = answerMeaning(callback.response, connection?.answers ?? DEFAULT_ANSWERS);
    const accepted = meaning === 'accept';
    const declined = meaning === 'decline';
    const before = (await listRecipients(trx, invite.id)).find((r) => r.targetName === callback.recipient);
    // An answer given again (E17): the room hears of the change, and the latest answer counts.
    const previous = before?.lastResponse && before.lastResponse !== callback.response ? before.lastResponse : null;
    const stayJoined = before?.state === 'joined' && !declined;
    const comment = keptText(callback.annotation);
    await upsertRecipient(trx, invite.id, callback.recipient, {
      ...(stayJoined ? {} : accepted ? { state: 'accepted' as const } : declined ? { state: 'declined' as const } : {}),
      lastResponse: callback.response,
      comment,
      device: callback.device,
      respondedAt: Date.now(),
    });
    const payload: ResponsePayload = { inviteId: invite.id, targetName: callback.recipient, response: callback.response, previous, comment, device: callback.device, accepted, declined };
    await enqueueJobs(trx, [{ kind: JOB_KINDS.response, installationId: invite.installationId, roomId: invite.roomId, payload }]);
  },
  async deliveryStatus(trx, { invite }, callback) {
    const failed = /fail/i.test(callback.deliveryStatus);
    const current = (await listRecipients(trx, invite.id)).find((r) => r.targetName === callback.recipient);
    // A late delivery notice must not undo an answer already given.
    if (!current || current.state === 'sent' || current.state === 'delivered') {
      await upsertRecipient(trx, invite.id, callback.recipient, { state: failed ? 'failed' : 'delivered', device: callback.device });
    }
    if (failed) await enqueueJobs(trx, [notice(invite, deliveryFailedNotice(invite, callback.recipient, deliveryReason(keptText(callback.message), callback.device)))]);
  },
  async status(trx, { invite }, callback) {
    // Lower case in webhooks, upper case in the REST API (E15).
    await updateInvite(trx, invite.id, { eventStatus: callback.status.toLowerCase().slice(0, 30) });
    if (/terminat|resolv|suspend/i.test(callback.status)) {
      // The event ended (an End answer, a termination, its expiry: E17, E18): whoever had not answered gave no answer.
      await markNoAnswer(trx, invite.id);
      await enqueueJobs(trx, [notice(invite, eventStatusNotice(invite, callback.status))]);
    }
  },
  async escalation(trx, { invite }, callback) {
    // xMatters moved on to the group's next step (E12, E24): the panel shows the step the group is at.
    if (callback.group) await recordEscalation(trx, invite.id, callback.group);
  },
  async comment(trx, { invite, connection }, callback) {
    if (connection && !connection.timeline.xmattersToRoom) return;
    // The add-on's own comments (written as the integration user) come back too: never echo them.
    if (connection && callback.author.targetName?.toLowerCase() === connection.username.toLowerCase()) return;
    await enqueueJobs(trx, [notice(invite, xmattersCommentNotice(invite, callback.author.name, keptText(callback.comment) ?? ''))]);
  },
  async recipientFailure(trx, { invite }, callback) {
    const current = (await listRecipients(trx, invite.id)).find((r) => r.targetName === callback.recipient);
    if (current && (current.state === 'sent' || current.state === 'delivered')) await upsertRecipient(trx, invite.id, callback.recipient, { state: 'failed' });
    await enqueueJobs(trx, [notice(invite, recipientFailureNotice(invite, callback.recipient, callback.reason, keptText(callback.message)))]);
  },
};

function deliveryReason(message: string | null, device: string | null): string {
  if (message && /no devices/i.test(message)) return 'no devices';
  if (message) return message.replace(/^Failed sending to \S+:?\s*/i, '') || message;
  return device ? `delivery to ${device} failed` : 'delivery failed';
}

interface ResponsePayload {
  inviteId: string;
  targetName: string;
  response: string;
  /** The answer this one replaces, when the responder answered before. */
  previous?: string | null;
  comment: string | null;
  device: string | null;
  accepted: boolean;
  declined: boolean;
}

/**
 * The chat side of a response: who the responder is (xMatters person), whether they are a HipChat user
 * — by the same e-mail address, or by mention name = xMatters user ID only where an admin allowed that
 * rule — inviting them into a private room they are not in, and the notice that @mentions them and says
 * which rule matched.
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
      const connection = await deps.connectionFor(invite.installationId);
      const person = await lookupPerson(connection, p.targetName, log);
      const displayName = person?.displayName ?? p.targetName;
      // A group member's row starts with only their user ID: the panel shows their name from now on.
      if (person?.displayName) await upsertRecipient(deps.db, invite.id, p.targetName, { displayName: person.displayName });
      let mention: string | null = null;
      let matchedBy: MatchRule | null = null;
      if (p.accepted) {
        const found = await deps.chat.findUser(invite.installationId, {
          ...(person?.email ? { email: person.email } : {}),
          ...(connection?.matchMentionNames ? { mentionName: p.targetName } : {}),
        });
        if (found) {
          ({ matchedBy } = found);
          mention = found.user.mentionName;
          await upsertRecipient(deps.db, invite.id, p.targetName, { hipchatUserId: found.user.id, hipchatMention: found.user.mentionName });
          await deps.joins.roomChanged(invite.installationId, invite.roomId);
          const room = await deps.chat.getRoom(invite.installationId, invite.roomId);
          if (room.isPrivate && !room.memberIds?.includes(found.user.id)) {
            await deps.chat.inviteToRoom(invite.installationId, invite.roomId, found.user.id, `${displayName} accepted an xMatters invite: ${invite.description}`);
          }
        }
      }
      const notice = responseNotice(invite, {
        displayName,
        targetName: p.targetName,
        response: p.response,
        previous: p.previous ?? null,
        comment: p.comment,
        device: p.device,
        mention,
        matchedBy,
        mentionRuleOn: connection?.matchMentionNames ?? false,
        accepted: p.accepted,
        declined: p.declined,
      });
      await deps.chat.postNotice(invite.installationId, invite.roomId, notice);
    },
  };
}

async function lookupPerson(connection: XMattersConnection | undefined, targetName: string, log: Logger) {
  try {
    return connection ? await connection.client.getPerson(targetName) : undefined;
  } catch (err) {
    // The name only makes the notice friendlier; the answer is posted without it.
    log.warn({ err: (err as Error).message, targetName }, 'could not look up the responder in xMatters');
    return undefined;
  }
}
