import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import type { Logger } from '../logger';
import type { JobHandler } from '../outbox/worker';
import type { Db } from '../store/db';
import { type Job, type NewJob } from '../store/jobs';
import { listActiveRoomInvites, listRecipientsOf, type Invite, type InviteRecipient, type RecipientState } from '../store/invites';
import { findGlanceSettings } from '../store/settings';
import type { ChatPort, RoomStatus } from './chat';

/** One invite as the room's glance and panel show it. */
export interface ActiveInvite {
  invite: Invite;
  /** Every recipient row: the invite's own recipients first, then group members as xMatters told of them. */
  recipients: InviteRecipient[];
}

export interface RoomSummary {
  invites: ActiveInvite[];
  counts: { coming: number; waiting: number; declined: number; failed: number; noAnswer: number };
  /** The first of the installation's "groups to invite next" not invited by an active invite; null when none is left or none is set. */
  nextGroup: string | null;
  nextGroupsSet: boolean;
  nudgeMinutes: number;
}

type Executor = Db | Knex.Transaction;

const COUNTED: Record<RecipientState, keyof RoomSummary['counts']> = {
  sent: 'waiting',
  delivered: 'waiting',
  accepted: 'coming',
  joined: 'coming',
  declined: 'declined',
  failed: 'failed',
  no_answer: 'noAnswer',
};

/**
 * Who counts in a summary: people. A group's own row stands for its members only until the first of
 * them shows up in a callback (a delivery or an answer); after that the members speak for the group.
 */
export function countedRecipients(recipients: InviteRecipient[]): InviteRecipient[] {
  const members = recipients.some((r) => r.fromCallback);
  return recipients.filter((r) => r.recipientType === 'PERSON' || !members);
}

/** The room's active invites and what they add up to: three indexed reads. */
export async function roomSummary(db: Executor, installationId: string, roomId: number): Promise<RoomSummary> {
  const [invites, settings] = await Promise.all([listActiveRoomInvites(db, installationId, roomId), findGlanceSettings(db, installationId)]);
  const byInvite = await listRecipientsOf(
    db,
    invites.map((i) => i.id),
  );
  const counts = { coming: 0, waiting: 0, declined: 0, failed: 0, noAnswer: 0 };
  const active = invites.map((invite) => ({ invite, recipients: byInvite.get(invite.id) ?? [] }));
  for (const { recipients } of active) for (const r of countedRecipients(recipients)) counts[COUNTED[r.state]] += 1;
  const invited = new Set(active.flatMap(({ recipients }) => recipients.filter((r) => r.recipientType === 'GROUP').map((r) => r.targetName.toLowerCase())));
  const nextGroup = settings.nextGroups.find((group) => !invited.has(group.toLowerCase())) ?? null;
  return { invites: active, counts, nextGroup, nextGroupsSet: settings.nextGroups.length > 0, nudgeMinutes: settings.nudgeMinutes };
}

/**
 * The room's status line: "On-call: 2 coming · 1 declined". The lozenge says the state at a glance:
 * none without invites (a quiet label); DECLINED or FAILED (error) when someone declined or could not be
 * notified; WAITING (current) while answers are due; ANSWERED (success) when everyone answered, COMING
 * (success) when someone is coming and the others gave no answer; NO ANSWER (error) when nobody did.
 */
export function roomStatus(summary: Pick<RoomSummary, 'invites' | 'counts'>): RoomStatus {
  const { coming, waiting, declined, failed, noAnswer } = summary.counts;
  if (summary.invites.length === 0) return { html: 'On-call: no invites' };
  const parts = [`<b>${coming}</b> coming`];
  if (waiting) parts.push(`${waiting} waiting`);
  if (declined) parts.push(`${declined} declined`);
  if (noAnswer) parts.push(`${noAnswer} no answer`);
  if (failed) parts.push(`${failed} failed`);
  const html = `On-call: ${parts.join(' · ')}`;
  if (declined || failed) return { html, lozenge: { label: declined ? 'DECLINED' : 'FAILED', type: 'error' } };
  if (waiting) return { html, lozenge: { label: 'WAITING', type: 'current' } };
  if (coming) return { html, lozenge: { label: noAnswer ? 'COMING' : 'ANSWERED', type: 'success' } };
  return { html, lozenge: { label: 'NO ANSWER', type: 'error' } };
}

export const GLANCE_JOB = 'room.glance';

/** The job that brings the room's glance up to date; queued with whatever may have changed it. */
export function glanceJob(installationId: string, roomId: number): NewJob {
  return { kind: GLANCE_JOB, installationId, roomId, payload: {} };
}

const hashOf = (status: RoomStatus) => createHash('sha256').update(JSON.stringify(status)).digest('hex');

/**
 * Pushes the room's status when it differs from the one last pushed (stored with its hash), so a
 * callback that changes nothing the glance shows pushes nothing, and several changes queued before it
 * runs push once. Room-bound: a room's pushes run one at a time, in order, across instances, so two
 * never race past the comparison. The content is read when the job runs, never when it was queued.
 * A crash after the push and before the hash is stored pushes the same content once more.
 */
export function glanceJobHandler(deps: { db: Db; chat: ChatPort }): JobHandler {
  return {
    roomBound: true,
    spends: { hipchatCalls: 1, notifications: 0 },
    async run(job: Job, log: Logger) {
      const roomId = job.roomId!;
      const status = roomStatus(await roomSummary(deps.db, job.installationId, roomId));
      const hash = hashOf(status);
      const last = await deps.db('room_glances').where({ installation_id: job.installationId, room_id: roomId }).first();
      if (last?.content_hash === hash) return;
      // Never pushed, and nothing to say: HipChat already shows what queryUrl answers (and the room may be gone).
      if (!last && !status.lozenge) return;
      await deps.chat.showRoomStatus(job.installationId, roomId, status);
      const version = Number(last?.version ?? 0) + 1;
      await deps.db('room_glances')
        .insert({ installation_id: job.installationId, room_id: roomId, content_hash: hash, version, pushed_at: Date.now() })
        .onConflict(['installation_id', 'room_id'])
        .merge({ content_hash: hash, version, pushed_at: Date.now() });
      log.debug({ roomId, version }, 'room glance pushed');
    },
  };
}
