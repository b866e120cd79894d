import { randomUUID } from 'node:crypto';
import type { Logger } from '../logger';
import type { JobHandler } from '../outbox/worker';
import { HIPCHAT_LIMITS } from '../outbox/limits';
import type { Db } from '../store/db';
import type { SeenEventBatch } from '../store/seen-batch';
import { enqueueJobs, type Job, type NewJob } from '../store/jobs';
import { findInvite, findInviteByKey, insertInvite, listRecipients, updateInvite, type NewInvite } from '../store/invites';
import type { TriggerBody } from '../xmatters/trigger';
import type { ChatPort, RoomNotice } from './chat';
import type { JoinIndex } from './join-index';
import { inviteFailedNotice, inviteSentNotice } from './notices';

/** Where and how an installation's invites reach xMatters, with the credentials xMatters calls back with. */
export interface XMattersTarget {
  inviteUrl: string;
  trigger(inviteUrl: string, body: TriggerBody): Promise<{ requestId: string }>;
  callback: { url: string; username: string; password: string };
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
} as const;

/** Job kinds that call HipChat, sharing its flood and rate limits. */
export const HIPCHAT_JOB_KINDS: string[] = [JOB_KINDS.notice, JOB_KINDS.response];

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

/** A sentence for the room from an xMatters error: its message, which already says what to check. */
const reasonOf = (error: string) => (/[.!?]$/.test(error) ? error : `${error}.`);

/** The job handlers of the invite flow, for the outbox worker. */
export function inviteJobHandlers(deps: InviteDeps): Record<string, JobHandler> {
  const hipchatRule = { kinds: HIPCHAT_JOB_KINDS, perRoom: HIPCHAT_LIMITS.perRoom, perInstallation: HIPCHAT_LIMITS.perInstallation };
  return {
    [JOB_KINDS.trigger]: {
      async run(job: Job, log: Logger) {
        const { inviteId } = job.payload as { inviteId: string };
        const invite = await findInvite(deps.db, inviteId);
        if (!invite) return; // the room or installation was deleted meanwhile
        const target = await deps.xmattersFor(invite.installationId);
        if (!target) throw Object.assign(new Error('This installation has no xMatters settings.'), { retryable: false });
        const recipients = await listRecipients(deps.db, inviteId);
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
          recipients: recipients.map((r) => ({ targetName: r.targetName })),
          callbacks: (['response', 'status', 'deliveryStatus'] as const).map((type) => ({
            url: target.callback.url,
            type,
            authType: 'basic' as const,
            authUserName: target.callback.username,
            authPassword: target.callback.password,
          })),
        };
        const { requestId } = await target.trigger(target.inviteUrl, body);
        await deps.db.transaction(async (trx) => {
          await updateInvite(trx, invite.id, { state: 'sent', requestId, lastError: null });
          await enqueueJobs(trx, [
            { kind: JOB_KINDS.notice, installationId: invite.installationId, roomId: invite.roomId, payload: { notice: inviteSentNotice(invite, recipients) }, dedupeKey: `invite-sent:${invite.id}` },
          ]);
        });
        log.info({ inviteId: invite.id, requestId, recipients: recipients.length }, 'invite sent to xMatters');
        deps.wake();
      },
      async onFailed(job: Job, error: string) {
        const { inviteId } = job.payload as { inviteId: string };
        const invite = await findInvite(deps.db, inviteId);
        if (!invite) return;
        await updateInvite(deps.db, invite.id, { state: 'failed', lastError: error });
        await queueNotice(deps, invite.installationId, invite.roomId, inviteFailedNotice(invite, reasonOf(error)), `invite-failed:${invite.id}`);
      },
    },
    [JOB_KINDS.notice]: {
      rateLimit: hipchatRule,
      roomBound: true,
      async run(job: Job) {
        const { notice } = job.payload as { notice: RoomNotice };
        await deps.chat.postNotice(job.installationId, job.roomId!, notice);
      },
    },
  };
}
