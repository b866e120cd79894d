import { randomUUID } from 'node:crypto';
import type { Logger } from '../logger';
import type { JobHandler } from '../outbox/worker';
import type { Db } from '../store/db';
import type { SeenEventBatch } from '../store/seen-batch';
import { enqueueJobs, type Job, type NewJob } from '../store/jobs';
import { findInvite, findInviteByKey, insertInvite, listRecipients, updateInvite, type Invite, type InviteRecipient, type NewInvite } from '../store/invites';
import type { XMattersClient } from '../xmatters/client';
import { XMattersError } from '../xmatters/errors';
import type { XMattersEvent } from '../xmatters/events';
import type { TriggerBody } from '../xmatters/trigger';
import type { ChatPort, RoomNotice } from './chat';
import type { JoinIndex } from './join-index';
import { inviteFailedNotice, inviteSentNotice, noEventNotice } from './notices';
import { glanceJob } from './glance';
import { nudgeJob } from './nudge';

/** Where an installation's invites go: its Invite to Room URL, and the client that triggers it and finds events. */
export interface XMattersTarget {
  inviteUrl: string;
  client: Pick<XMattersClient, 'trigger' | 'findEvents' | 'listResponses'>;
}

export interface InviteDeps {
  db: Db;
  chat: ChatPort;
  /** The installation's xMatters settings, or undefined when it has none. */
  xmattersFor(installationId: string): Promise<XMattersTarget | undefined>;
  /** Link to a room in the chat client, put in the xMatters event. */
  roomLink(installationId: string, roomId: number): Promise<string | null>;
  /** Nudges the local worker after jobs were written. */
  wake(): void;
  /** How long xMatters may take to show the event of an accepted trigger before the room is told none came. */
  eventConfirmMs: number;
  /** How often an active event's responses are read back (XMATTERS_RECONCILE_SECONDS); 5 min by default. */
  reconcileEveryMs?: number;
  /** Who may join which room: told of every match and join. */
  joins: JoinIndex;
  /** Marks events seen in batches, for those that cause no other write. */
  seen: SeenEventBatch;
}

export const JOB_KINDS = {
  trigger: 'xmatters.trigger',
  notice: 'room.notice',
  response: 'invite.response',
  oncall: 'oncall.invite',
  who: 'oncall.who',
  confirm: 'xmatters.confirm',
  comment: 'xmatters.comment',
  reconcile: 'xmatters.reconcile',
} as const;

/** How often an active event's responses are read back from xMatters, and for how long (event expiry, E18). */
export const RECONCILE_EVERY_MS = 5 * 60_000;
export const RECONCILE_FOR_MS = 180 * 60_000;

/**
 * A read-back of the invite's responses `delayMs` from now. One per invite per 5-minute slot (dedupe
 * key), so the start-up's and the periodic ones never pile up into several chains.
 */
export function reconcileJob(invite: { id: string; installationId: string }, delayMs: number, everyMs = RECONCILE_EVERY_MS): NewJob {
  const slot = Math.floor((Date.now() + delayMs) / everyMs);
  return { kind: JOB_KINDS.reconcile, installationId: invite.installationId, payload: { inviteId: invite.id }, dedupeKey: `reconcile:${invite.id}:${slot}`, delayMs };
}

export const MAX_RECIPIENTS = 10;
export const MAX_DESCRIPTION = 2000;

export type CreateInviteInput = Omit<NewInvite, 'id'>;

/**
 * Writes the invite, its recipients and its trigger job in one transaction. The same idempotency key
 * gives back the first invite instead of a second one (a double click).
 */
export async function createInvite(deps: InviteDeps, input: CreateInviteInput): Promise<{ inviteId: string; created: boolean }> {
  if (input.idempotencyKey) {
    const existing = await findInviteByKey(deps.db, input.installationId, input.idempotencyKey);
    if (existing) return { inviteId: existing.id, created: false };
  }
  const id = randomUUID();
  try {
    await deps.db.transaction(async (trx) => {
      await insertInvite(trx, { ...input, id });
      await enqueueJobs(trx, [
        { kind: JOB_KINDS.trigger, installationId: input.installationId, roomId: input.roomId, payload: { inviteId: id }, dedupeKey: `trigger:${id}`, maxAttempts: 8 },
        glanceJob(input.installationId, input.roomId),
        await nudgeJob(trx, input.installationId, input.roomId, id),
      ]);
    });
  } catch (err) {
    // Two clicks racing past the check above: the unique key lets one through; answer with it.
    const raced = input.idempotencyKey && (await findInviteByKey(deps.db, input.installationId, input.idempotencyKey));
    if (raced) return { inviteId: raced.id, created: false };
    throw err;
  }
  deps.wake();
  return { inviteId: id, created: true };
}

/** The job that posts a room notice; `dedupeKey` makes a repeated cause post it once. */
export function noticeJob(installationId: string, roomId: number, notice: RoomNotice, dedupeKey?: string): NewJob {
  return { kind: JOB_KINDS.notice, installationId, roomId, payload: { notice }, ...(dedupeKey ? { dedupeKey } : {}) };
}

/** Queues a room notice on its own. */
export async function queueNotice(deps: Pick<InviteDeps, 'db' | 'wake'>, installationId: string, roomId: number, notice: RoomNotice, dedupeKey?: string): Promise<void> {
  await enqueueJobs(deps.db, [noticeJob(installationId, roomId, notice, dedupeKey)]);
  deps.wake();
}

/** How long the add-on waits for the event of a trigger whose answer was lost before it sends the trigger again. */
const UNKNOWN_TRIGGER_SETTLE_MS = 30_000;

/** Not a failure: the job waits for xMatters, and runs again after `waitMs`. */
class WaitForEvent extends Error {
  readonly retryable = true;
  /** Not a failed attempt (lib/outbox/worker.ts). */
  readonly waited = true;
  readonly retryAfterSeconds: number;
  constructor(message: string, waitMs: number) {
    super(message);
    this.retryAfterSeconds = Math.max(1, Math.ceil(waitMs / 1000));
  }
}

/**
 * xMatters accepted the trigger (202 and a requestId), or its event was found after a lost answer: the
 * invite is sent, the room is told, and the event is confirmed next (when it is not known already).
 */
async function accepted(deps: InviteDeps, invite: Invite, recipients: InviteRecipient[], got: { requestId: string } | { event: XMattersEvent }): Promise<void> {
  const now = Date.now();
  await deps.db.transaction(async (trx) => {
    await updateInvite(trx, invite.id, {
      acceptedAt: now,
      triggerUnknownAt: null,
      lastError: null,
      ...('event' in got ? { state: 'confirmed' as const, eventId: got.event.id, eventIdentifier: got.event.eventIdentifier } : { state: 'sent' as const, requestId: got.requestId }),
    });
    await enqueueJobs(trx, [
      noticeJob(invite.installationId, invite.roomId, inviteSentNotice(invite, recipients), `invite-sent:${invite.id}`),
      ...('event' in got ? [reconcileJob(invite, deps.reconcileEveryMs ?? RECONCILE_EVERY_MS, deps.reconcileEveryMs)] : [{ kind: JOB_KINDS.confirm, installationId: invite.installationId, roomId: invite.roomId, payload: { inviteId: invite.id }, dedupeKey: `confirm:${invite.id}`, delayMs: 1000, maxAttempts: 40 }]),
    ]);
  });
  deps.wake();
}

/** A sentence for the room from an xMatters error: its message, which already says what to check. */
const reasonOf = (error: string) => (/[.!?]$/.test(error) ? error : `${error}.`);

/** The job handlers of the invite flow, for the outbox worker. */
export function inviteJobHandlers(deps: InviteDeps): Record<string, JobHandler> {
  return {
    [JOB_KINDS.trigger]: {
      async run(job: Job, log: Logger) {
        const { inviteId } = job.payload as { inviteId: string };
        const invite = await findInvite(deps.db, inviteId);
        // Gone (its room or installation was deleted), or accepted already (the job ran again).
        if (!invite || invite.acceptedAt !== null) return;
        const target = await deps.xmattersFor(invite.installationId);
        if (!target) throw Object.assign(new Error('This installation has no xMatters settings.'), { retryable: false });
        const recipients = await listRecipients(deps.db, inviteId);

        // No double pages: a trigger whose answer was lost (a timeout, a reset, a crash while it was out)
        // may have reached xMatters. Look for its event before sending again, and give xMatters time to
        // make it (triggers are processed after their 202).
        if (invite.triggerUnknownAt !== null) {
          const [event] = await target.client.findEvents({ property: { name: 'invite_id', value: invite.id } });
          if (event) {
            log.info({ inviteId: invite.id, eventIdentifier: event.eventIdentifier }, 'the trigger whose answer was lost made its event: not sent again');
            return accepted(deps, invite, recipients, { event });
          }
          const waited = Date.now() - invite.triggerUnknownAt;
          const settleMs = Math.min(deps.eventConfirmMs, UNKNOWN_TRIGGER_SETTLE_MS);
          if (waited < settleMs) throw new WaitForEvent('Waiting to see whether xMatters made the event of a trigger whose answer was lost', settleMs - waited);
        }

        const body: TriggerBody = {
          properties: {
            invite_id: invite.id,
            room_id: String(invite.roomId),
            room_name: invite.roomName ?? '',
            room_link: (await deps.roomLink(invite.installationId, invite.roomId)) ?? '',
            description: invite.description,
            inviter_name: invite.inviterName ?? '',
            inviter_mention: invite.inviterMention ?? '',
          },
          // The current recipient format (E8): the recipientType spares xMatters a lookup.
          recipients: recipients.map((r) => ({ id: r.targetName, recipientType: r.recipientType })),
        };
        // Marked before it is sent: if the process dies before the answer is in, the next attempt looks first.
        await updateInvite(deps.db, invite.id, { triggerUnknownAt: Date.now() });
        let requestId: string;
        try {
          ({ requestId } = await target.client.trigger(target.inviteUrl, body));
        } catch (err) {
          const unknown = err instanceof XMattersError && err.outcomeUnknown;
          await updateInvite(deps.db, invite.id, { ...(unknown ? {} : { triggerUnknownAt: null }), lastError: (err as Error).message });
          throw err;
        }
        await accepted(deps, invite, recipients, { requestId });
        log.info({ inviteId: invite.id, requestId, recipients: recipients.length }, 'invite accepted by xMatters');
      },
      async onFailed(job: Job, error: string) {
        const { inviteId } = job.payload as { inviteId: string };
        const invite = await findInvite(deps.db, inviteId);
        if (!invite) return;
        await updateInvite(deps.db, invite.id, { state: 'failed', lastError: error });
        await enqueueJobs(deps.db, [glanceJob(invite.installationId, invite.roomId)]);
        await queueNotice(deps, invite.installationId, invite.roomId, inviteFailedNotice(invite, reasonOf(error)), `invite-failed:${invite.id}`);
      },
    },
    // xMatters answered 202: find the event it made, or tell the room none came (E1, E2).
    [JOB_KINDS.confirm]: {
      async run(job: Job, log: Logger) {
        const { inviteId } = job.payload as { inviteId: string };
        const invite = await findInvite(deps.db, inviteId);
        if (!invite || invite.eventId !== null || invite.requestId === null || invite.acceptedAt === null) return;
        const target = await deps.xmattersFor(invite.installationId);
        if (!target) return;
        const [event] = await target.client.findEvents({ requestId: invite.requestId });
        if (event) {
          await updateInvite(deps.db, invite.id, { state: 'confirmed', eventId: event.id, eventIdentifier: event.eventIdentifier, lastError: null });
          await enqueueJobs(deps.db, [reconcileJob(invite, deps.reconcileEveryMs ?? RECONCILE_EVERY_MS, deps.reconcileEveryMs)]);
          log.info({ inviteId: invite.id, eventIdentifier: event.eventIdentifier }, 'xMatters made the invite\'s event');
          return;
        }
        const waited = Date.now() - invite.acceptedAt;
        if (waited >= deps.eventConfirmMs) {
          const minutes = Math.max(1, Math.round(deps.eventConfirmMs / 60_000));
          await deps.db.transaction(async (trx) => {
            await updateInvite(trx, invite.id, { state: 'no_event', lastError: `xMatters accepted the trigger (request ${invite.requestId}) but showed no event within ${minutes} min` });
            await enqueueJobs(trx, [noticeJob(invite.installationId, invite.roomId, noEventNotice(invite, minutes), `no-event:${invite.id}`), glanceJob(invite.installationId, invite.roomId)]);
          });
          log.warn({ inviteId: invite.id, requestId: invite.requestId }, 'xMatters made no event for the accepted trigger');
          deps.wake();
          return;
        }
        // Soon after the 202 first, then less often, never past the end of the wait.
        throw new WaitForEvent('xMatters has not shown the event yet', Math.min(deps.eventConfirmMs - waited, 1000 * 2 ** Math.min(job.attempts, 6)));
      },
      async onFailed(job: Job, error: string, log: Logger) {
        const { inviteId } = job.payload as { inviteId: string };
        // The invite was accepted; only its confirmation failed (e.g. the user may not read events).
        await updateInvite(deps.db, inviteId, { lastError: `Could not look up the xMatters event: ${error}` });
        log.warn({ inviteId, error }, 'could not confirm the xMatters event');
      },
    },
    [JOB_KINDS.notice]: {
      spends: { hipchatCalls: 1, notifications: 1 },
      roomBound: true,
      async run(job: Job) {
        const { notice } = job.payload as { notice: RoomNotice };
        await deps.chat.postNotice(job.installationId, job.roomId!, notice);
      },
    },
  };
}
