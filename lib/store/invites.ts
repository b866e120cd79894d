import type { Knex } from 'knex';
import type { Db } from './db';
import { nullableMs, nullableString, toMs } from './db';

/**
 * pending: not yet accepted by xMatters; sent: accepted (202), its event not seen yet; confirmed: the
 * event exists; no_event: accepted, but no event appeared in time; failed: xMatters refused it.
 */
export type InviteState = 'pending' | 'sent' | 'confirmed' | 'no_event' | 'failed';
export type RecipientType = 'PERSON' | 'GROUP';
/**
 * sent → delivered → accepted → joined, or declined / failed / no_answer. no_answer: the recipient had not
 * answered when the invite's nudge time passed, or when its event ended (terminated, or expired: E18);
 * an answer given later still counts and replaces it.
 */
export type RecipientState = 'sent' | 'delivered' | 'failed' | 'accepted' | 'declined' | 'joined' | 'no_answer';

export interface Invite {
  id: string;
  installationId: string;
  roomId: number;
  roomName: string | null;
  inviterId: string | null;
  inviterName: string | null;
  inviterMention: string | null;
  description: string;
  requestId: string | null;
  eventId: string | null;
  eventIdentifier: number | null;
  acceptedAt: number | null;
  triggerUnknownAt: number | null;
  /** The xMatters event's status from its webhooks (lower case), null until one says. */
  eventStatus: string | null;
  state: InviteState;
  idempotencyKey: string | null;
  lastError: string | null;
  createdAt: number;
}

export interface InviteRecipient {
  id: number;
  inviteId: string;
  targetName: string;
  recipientType: RecipientType;
  displayName: string | null;
  state: RecipientState;
  lastResponse: string | null;
  comment: string | null;
  device: string | null;
  hipchatUserId: string | null;
  hipchatMention: string | null;
  respondedAt: number | null;
  joinedAt: number | null;
  /** When `state` last changed. */
  stateChangedAt: number | null;
  /** A group's escalation steps so far (E12, E24); 0 before the first. */
  escalationStep: number;
  escalatedAt: number | null;
  /** Made by a callback (a group member), not one of the invite's own recipients. */
  fromCallback: boolean;
}

type Row = Record<string, unknown>;
type Executor = Db | Knex.Transaction;

function inviteFromRow(row: Row): Invite {
  return {
    id: String(row.id),
    installationId: String(row.installation_id),
    roomId: Number(row.room_id),
    roomName: nullableString(row.room_name),
    inviterId: nullableString(row.inviter_id),
    inviterName: nullableString(row.inviter_name),
    inviterMention: nullableString(row.inviter_mention),
    description: String(row.description),
    requestId: nullableString(row.request_id),
    eventId: nullableString(row.event_id),
    eventIdentifier: nullableMs(row.event_identifier),
    acceptedAt: nullableMs(row.accepted_at),
    triggerUnknownAt: nullableMs(row.trigger_unknown_at),
    eventStatus: nullableString(row.event_status),
    state: row.state as InviteState,
    idempotencyKey: nullableString(row.idempotency_key),
    lastError: nullableString(row.last_error),
    createdAt: toMs(row.created_at),
  };
}

function recipientFromRow(row: Row): InviteRecipient {
  return {
    id: Number(row.id),
    inviteId: String(row.invite_id),
    targetName: String(row.target_name),
    recipientType: row.recipient_type as RecipientType,
    displayName: nullableString(row.display_name),
    state: row.state as RecipientState,
    lastResponse: nullableString(row.last_response),
    comment: nullableString(row.comment),
    device: nullableString(row.device),
    hipchatUserId: nullableString(row.hipchat_user_id),
    hipchatMention: nullableString(row.hipchat_mention),
    respondedAt: nullableMs(row.responded_at),
    joinedAt: nullableMs(row.joined_at),
    stateChangedAt: nullableMs(row.state_changed_at),
    escalationStep: Number(row.escalation_step ?? 0),
    escalatedAt: nullableMs(row.escalated_at),
    fromCallback: row.from_callback === true || row.from_callback === 1,
  };
}

export type NewInvite = Pick<Invite, 'id' | 'installationId' | 'roomId' | 'roomName' | 'inviterId' | 'inviterName' | 'inviterMention' | 'description' | 'idempotencyKey'> & {
  recipients: Array<{ targetName: string; recipientType: RecipientType; displayName: string }>;
};

export async function insertInvite(trx: Executor, invite: NewInvite): Promise<void> {
  const now = Date.now();
  await trx('invites').insert({
    id: invite.id,
    installation_id: invite.installationId,
    room_id: invite.roomId,
    room_name: invite.roomName,
    inviter_id: invite.inviterId,
    inviter_name: invite.inviterName,
    inviter_mention: invite.inviterMention,
    description: invite.description,
    state: 'pending',
    idempotency_key: invite.idempotencyKey,
    created_at: now,
    updated_at: now,
  });
  await trx('invite_recipients').insert(
    invite.recipients.map((r) => ({
      invite_id: invite.id,
      target_name: r.targetName,
      recipient_type: r.recipientType,
      display_name: r.displayName,
      state: 'sent',
      state_changed_at: now,
      created_at: now,
      updated_at: now,
    })),
  );
}

export async function findInvite(db: Executor, id: string): Promise<Invite | undefined> {
  const row = await db('invites').where({ id }).first();
  return row ? inviteFromRow(row) : undefined;
}

export async function findInviteByKey(db: Executor, installationId: string, idempotencyKey: string): Promise<Invite | undefined> {
  const row = await db('invites').where({ installation_id: installationId, idempotency_key: idempotencyKey }).first();
  return row ? inviteFromRow(row) : undefined;
}

export interface InviteChange {
  state: InviteState;
  requestId: string;
  eventId: string;
  eventIdentifier: number;
  acceptedAt: number;
  triggerUnknownAt: number | null;
  eventStatus: string;
  lastError: string | null;
}

export async function updateInvite(db: Executor, id: string, fields: Partial<InviteChange>): Promise<void> {
  const columns: Row = { updated_at: Date.now() };
  if (fields.state) columns.state = fields.state;
  if (fields.requestId) columns.request_id = fields.requestId;
  if (fields.eventId) columns.event_id = fields.eventId;
  if (fields.eventIdentifier !== undefined) columns.event_identifier = fields.eventIdentifier;
  if (fields.acceptedAt !== undefined) columns.accepted_at = fields.acceptedAt;
  if (fields.triggerUnknownAt !== undefined) columns.trigger_unknown_at = fields.triggerUnknownAt;
  if (fields.eventStatus !== undefined) columns.event_status = fields.eventStatus;
  if (fields.lastError !== undefined) columns.last_error = fields.lastError;
  await db('invites').where({ id }).update(columns);
}

/**
 * A room's invites whose xMatters event is known and not over, made since `since`: the ones the room's
 * messages are added to as comments.
 */
export async function listActiveEventInvites(db: Executor, installationId: string, roomId: number, since: number): Promise<Invite[]> {
  const rows = await db('invites')
    .where({ installation_id: installationId, room_id: roomId, state: 'confirmed' })
    .where('created_at', '>', since)
    .where((q) => q.whereNull('event_status').orWhereNotIn('event_status', ['terminated', 'terminated_external', 'suspended']))
    .orderBy('created_at');
  return rows.map(inviteFromRow);
}

/** Every installation's invites whose xMatters event is known and not over, made since `since` (bounded). */
export async function listAllActiveEventInvites(db: Executor, since: number, limit = 5000): Promise<Invite[]> {
  const rows = await db('invites')
    .where({ state: 'confirmed' })
    .whereNotNull('event_id')
    .where('created_at', '>', since)
    .where((q) => q.whereNull('event_status').orWhereNotIn('event_status', ['terminated', 'terminated_external', 'suspended']))
    .orderBy('created_at')
    .limit(limit);
  return rows.map(inviteFromRow);
}

/** The invite whose xMatters event has this numeric id (callbacks that carry no invite_id). */
export async function findInviteByEvent(db: Executor, installationId: string, eventIdentifier: number): Promise<Invite | undefined> {
  const row = await db('invites').where({ installation_id: installationId, event_identifier: eventIdentifier }).first();
  return row ? inviteFromRow(row) : undefined;
}

export async function listRecipients(db: Executor, inviteId: string): Promise<InviteRecipient[]> {
  return (await db('invite_recipients').where({ invite_id: inviteId }).orderBy('id')).map(recipientFromRow);
}

/** The recipient row for a targetName, created when a group member answers for the first time. */
export async function upsertRecipient(
  db: Executor,
  inviteId: string,
  targetName: string,
  fields: Partial<{ state: RecipientState; displayName: string; lastResponse: string; comment: string | null; device: string | null; hipchatUserId: string | null; hipchatMention: string | null; respondedAt: number; joinedAt: number }>,
): Promise<void> {
  const now = Date.now();
  const columns: Row = { updated_at: now };
  if (fields.state) columns.state = fields.state;
  if (fields.displayName !== undefined) columns.display_name = fields.displayName.slice(0, 255);
  if (fields.lastResponse !== undefined) columns.last_response = fields.lastResponse;
  if (fields.comment !== undefined) columns.comment = fields.comment;
  if (fields.device !== undefined) columns.device = fields.device;
  if (fields.hipchatUserId !== undefined) columns.hipchat_user_id = fields.hipchatUserId;
  if (fields.hipchatMention !== undefined) columns.hipchat_mention = fields.hipchatMention;
  if (fields.respondedAt !== undefined) columns.responded_at = fields.respondedAt;
  if (fields.joinedAt !== undefined) columns.joined_at = fields.joinedAt;
  const changedAt = fields.state
    ? { state_changed_at: db.raw('case when invite_recipients.state = ? then invite_recipients.state_changed_at else ? end', [fields.state, now]) }
    : {};
  await db('invite_recipients')
    .insert({ invite_id: inviteId, target_name: targetName, recipient_type: 'PERSON', state: fields.state ?? 'sent', created_at: now, ...columns, state_changed_at: now, from_callback: true })
    .onConflict(['invite_id', 'target_name'])
    .merge({ ...columns, ...changedAt });
}

/** Recipients who have not answered (sent, delivered) become no_answer; answers win over it later. */
export async function markNoAnswer(db: Executor, inviteId: string): Promise<number> {
  const now = Date.now();
  return db('invite_recipients').where({ invite_id: inviteId }).whereIn('state', ['sent', 'delivered']).update({ state: 'no_answer', state_changed_at: now, updated_at: now });
}

/** xMatters escalated in a group of the invite (E12, E24): the group's row counts the step. */
export async function recordEscalation(db: Executor, inviteId: string, group: string): Promise<void> {
  const now = Date.now();
  await db('invite_recipients')
    .where({ invite_id: inviteId, target_name: group })
    .update({ escalation_step: db.raw('escalation_step + 1'), escalated_at: now, updated_at: now });
}

/** Events older than this are over even if no status webhook said so (E18: xMatters expires them after 180 min by default). */
export const ACTIVE_INVITE_MS = 24 * 60 * 60_000;

/**
 * A room's active invites, oldest first: accepted or about to be sent to xMatters, whose event has not
 * ended, made within ACTIVE_INVITE_MS. One range on the (installation, room, created_at) index.
 */
export async function listActiveRoomInvites(db: Executor, installationId: string, roomId: number, now = Date.now()): Promise<Invite[]> {
  const rows = await db('invites')
    .where({ installation_id: installationId, room_id: roomId })
    .where('created_at', '>', now - ACTIVE_INVITE_MS)
    .whereIn('state', ['pending', 'sent', 'confirmed'])
    .where((q) => q.whereNull('event_status').orWhereNotIn('event_status', ENDED_EVENT_STATUSES))
    .orderBy('created_at');
  return rows.map(inviteFromRow);
}

/** The xMatters event statuses (lower case, E15) after which an invite is over. */
export const ENDED_EVENT_STATUSES = ['terminated', 'terminated_external', 'suspended'];

/** The recipients of several invites at once, by invite. */
export async function listRecipientsOf(db: Executor, inviteIds: string[]): Promise<Map<string, InviteRecipient[]>> {
  const byInvite = new Map<string, InviteRecipient[]>(inviteIds.map((id) => [id, []]));
  if (inviteIds.length === 0) return byInvite;
  for (const row of await db('invite_recipients').whereIn('invite_id', inviteIds).orderBy('id')) {
    const recipient = recipientFromRow(row);
    byInvite.get(recipient.inviteId)?.push(recipient);
  }
  return byInvite;
}

/** A room's most recent invites, newest first. */
export async function listRoomInvites(db: Executor, installationId: string, roomId: number, limit: number): Promise<Invite[]> {
  return (await db('invites').where({ installation_id: installationId, room_id: roomId }).orderBy('created_at', 'desc').limit(limit)).map(inviteFromRow);
}

/** Accepted responders of a room's recent invites who have this HipChat user id and have not joined yet. */
export async function findAcceptedByUser(db: Executor, installationId: string, roomId: number, hipchatUserId: string, since: number): Promise<Array<InviteRecipient & { inviteCreatedAt: number }>> {
  const rows = await db('invite_recipients as r')
    .join('invites as i', 'i.id', 'r.invite_id')
    .where({ 'i.installation_id': installationId, 'i.room_id': roomId, 'r.hipchat_user_id': hipchatUserId, 'r.state': 'accepted' })
    .where('i.created_at', '>', since)
    .select('r.*', 'i.created_at as invite_created_at');
  return rows.map((row: Row) => ({ ...recipientFromRow(row), inviteCreatedAt: toMs(row.invite_created_at) }));
}

export interface MatchedResponder {
  installationId: string;
  roomId: number;
  hipchatUserId: string;
  inviteCreatedAt: number;
}

/**
 * Responders matched to a HipChat user who have not joined, of invites made after `since`, in the given
 * rooms or everywhere: everyone findAcceptedByUser can find, and those who answered otherwise since.
 */
export async function listMatchedResponders(db: Executor, since: number, rooms?: Array<{ installationId: string; roomId: number }>): Promise<MatchedResponder[]> {
  const query = db('invite_recipients as r')
    .join('invites as i', 'i.id', 'r.invite_id')
    .whereNotNull('r.hipchat_user_id')
    .whereNot('r.state', 'joined')
    .where('i.created_at', '>', since)
    .select('i.installation_id', 'i.room_id', 'r.hipchat_user_id', 'i.created_at');
  if (rooms) query.where((q) => void rooms.forEach((room) => q.orWhere({ 'i.installation_id': room.installationId, 'i.room_id': room.roomId })));
  return (await query).map((row: Row) => ({
    installationId: String(row.installation_id),
    roomId: Number(row.room_id),
    hipchatUserId: String(row.hipchat_user_id),
    inviteCreatedAt: toMs(row.created_at),
  }));
}

/** Removes a deleted room's invites and pending jobs. */
export async function deleteRoomData(db: Db, installationId: string, roomId: number): Promise<void> {
  await db.transaction(async (trx) => {
    const ids = trx('invites').select('id').where({ installation_id: installationId, room_id: roomId });
    await trx('invite_recipients').whereIn('invite_id', ids).delete();
    await trx('invites').where({ installation_id: installationId, room_id: roomId }).delete();
    await trx('room_glances').where({ installation_id: installationId, room_id: roomId }).delete();
    await trx('jobs').where({ installation_id: installationId, room_id: roomId }).whereIn('state', ['pending', 'running']).delete();
  });
}

/** Remembers an event's natural key; false when it was seen before (a duplicate delivery). */
export async function markSeen(db: Executor, installationId: string, eventKey: string): Promise<boolean> {
  const inserted = await db('seen_events')
    .insert({ installation_id: installationId, event_key: eventKey.slice(0, 255), created_at: Date.now() })
    .onConflict(['installation_id', 'event_key'])
    .ignore()
    .returning('event_key');
  return Array.isArray(inserted) && inserted.length > 0;
}

export async function setRoomArchived(db: Db, installationId: string, roomId: number, archived: boolean): Promise<void> {
  await db('rooms')
    .insert({ installation_id: installationId, room_id: roomId, archived, updated_at: Date.now() })
    .onConflict(['installation_id', 'room_id'])
    .merge({ archived, updated_at: Date.now() });
}
