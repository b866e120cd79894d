import type { Knex } from 'knex';
import { maskInviteUrl } from '../security/invite-url-secret';
import type { Db } from './db';
import { nullableMs, nullableString, toMs } from './db';

/**
 * An installation's xMatters settings as they may be shown: no password, no callback secret material.
 * `hostname` is kept in the form parseHostname reads back: bare `host[:port]` for https, `http://host[:port]`
 * for plain http (only ever accepted for hosts in XMATTERS_ALLOWED_HOSTS).
 */
export interface SettingsView {
  installationId: string;
  hostname: string;
  username: string;
  /** The Invite to Room URL with an `apiKey` in it masked (lib/security/invite-url-secret.ts). */
  inviteUrl: string | null;
  verifiedAt: number | null;
  /** The xMatters person the credentials signed in as, e.g. "Integration User (hipchat)". */
  verifiedAs: string | null;
  callbackUsername: string | null;
  /** Match accepting responders to HipChat users by mention name = xMatters user ID too (off: by e-mail only). */
  matchMentionNames: boolean;
  /** The answers an admin set as meaning yes and no; null where the defaults apply. */
  acceptAnswers: string[] | null;
  declineAnswers: string[] | null;
  /** While an invite is active, room messages become comments on its xMatters event. */
  roomToXmatters: boolean;
  /** Comments added in xMatters are posted in the room. */
  xmattersToRoom: boolean;
  /** xMatters groups to invite next, in order (the room panel's button and the nudge); empty: none set. */
  nextGroups: string[];
  /** Minutes after an invite that the room is nudged when nobody accepted. */
  nudgeMinutes: number;
  updatedBy: string | null;
  updatedByName: string | null;
  createdAt: number;
  updatedAt: number;
}

/** Everything stored, for the add-on's own calls to xMatters and its callback checks; never for display. */
export interface StoredSettings extends SettingsView {
  passwordSealed: string;
  /** The Invite to Room URL as stored: an `apiKey` in it sealed (plain in rows saved before keys were sealed). */
  inviteUrlSealed: string | null;
  callbackNonce: string | null;
  callbackPasswordHash: string | null;
}

export interface SettingsChange {
  installationId: string;
  hostname: string;
  username: string;
  passwordSealed: string;
  /** With any `apiKey` already sealed (sealInviteUrl); null until an admin pastes the Invite to Room URL. */
  inviteUrlSealed: string | null;
  verifiedAt: number | null;
  verifiedAs: string | null;
  matchMentionNames: boolean;
  /** null: the defaults. */
  acceptAnswers: string[] | null;
  declineAnswers: string[] | null;
  roomToXmatters: boolean;
  xmattersToRoom: boolean;
  /** Left as saved when absent. */
  nextGroups?: string[];
  nudgeMinutes?: number;
  changedBy: ChangedBy;
}

/** The HipChat user making a change. */
export interface ChangedBy {
  id: string;
  name: string;
}

const VIEW_COLUMNS = [
  'installation_id',
  'hostname',
  'username',
  'invite_url',
  'verified_at',
  'verified_as',
  'callback_username',
  'match_mention_names',
  'accept_answers',
  'decline_answers',
  'room_to_xmatters',
  'xmatters_to_room',
  'next_groups',
  'nudge_minutes',
  'updated_by',
  'updated_by_name',
  'created_at',
  'updated_at',
];

type Row = Record<string, unknown>;

const maskedUrl = (value: unknown) => {
  const url = nullableString(value);
  return url === null ? null : maskInviteUrl(url);
};

function viewFromRow(row: Row): SettingsView {
  return {
    installationId: String(row.installation_id),
    hostname: String(row.hostname),
    username: String(row.username),
    inviteUrl: maskedUrl(row.invite_url),
    verifiedAt: nullableMs(row.verified_at),
    verifiedAs: nullableString(row.verified_as),
    callbackUsername: nullableString(row.callback_username),
    matchMentionNames: flag(row.match_mention_names),
    acceptAnswers: phraseList(row.accept_answers),
    declineAnswers: phraseList(row.decline_answers),
    roomToXmatters: flag(row.room_to_xmatters),
    xmattersToRoom: flag(row.xmatters_to_room),
    nextGroups: phraseList(row.next_groups) ?? [],
    nudgeMinutes: nudgeMinutesOf(row.nudge_minutes),
    updatedBy: nullableString(row.updated_by),
    updatedByName: nullableString(row.updated_by_name),
    createdAt: toMs(row.created_at),
    updatedAt: toMs(row.updated_at),
  };
}

export const DEFAULT_NUDGE_MINUTES = 5;
export const NUDGE_MINUTES_RANGE = { min: 1, max: 120 } as const;
export const MAX_NEXT_GROUPS = 20;

const nudgeMinutesOf = (value: unknown) => {
  const n = Number(value);
  return Number.isInteger(n) && n >= NUDGE_MINUTES_RANGE.min && n <= NUDGE_MINUTES_RANGE.max ? n : DEFAULT_NUDGE_MINUTES;
};

/** What the glance, the room panel and the nudge need: the next groups and the nudge time (defaults without settings). */
export async function findGlanceSettings(db: Db | Knex.Transaction, installationId: string): Promise<{ nextGroups: string[]; nudgeMinutes: number }> {
  const row = await db('xmatters_settings').select('next_groups', 'nudge_minutes').where({ installation_id: installationId }).first();
  return { nextGroups: phraseList(row?.next_groups) ?? [], nudgeMinutes: row ? nudgeMinutesOf(row.nudge_minutes) : DEFAULT_NUDGE_MINUTES };
}

/** A boolean column (SQLite gives 0 or 1). */
const flag = (value: unknown) => value === true || value === 1;

/** A stored JSON list of phrases; anything else reads as "the defaults". */
function phraseList(value: unknown): string[] | null {
  if (typeof value !== 'string') return null;
  try {
    const list = JSON.parse(value) as unknown;
    return Array.isArray(list) && list.length > 0 && list.every((p) => typeof p === 'string') ? (list as string[]) : null;
  } catch {
    return null;
  }
}

/** The settings for display; secret columns are not even read. */
export async function findSettings(db: Db, installationId: string): Promise<SettingsView | undefined> {
  const row = await db('xmatters_settings').select(VIEW_COLUMNS).where({ installation_id: installationId }).first();
  return row ? viewFromRow(row) : undefined;
}

export async function findStoredSettings(db: Db, installationId: string): Promise<StoredSettings | undefined> {
  const row = await db('xmatters_settings').where({ installation_id: installationId }).first();
  if (!row) return undefined;
  return {
    ...viewFromRow(row),
    passwordSealed: String(row.password_sealed),
    inviteUrlSealed: nullableString(row.invite_url),
    callbackNonce: nullableString(row.callback_nonce),
    callbackPasswordHash: nullableString(row.callback_password_hash),
  };
}

/** Inserts or replaces the connection settings; the callback credentials are left as they are. */
export async function saveSettings(db: Db, change: SettingsChange): Promise<void> {
  const now = Date.now();
  const fields = {
    hostname: change.hostname,
    username: change.username,
    password_sealed: change.passwordSealed,
    invite_url: change.inviteUrlSealed,
    verified_at: change.verifiedAt,
    verified_as: change.verifiedAs,
    match_mention_names: change.matchMentionNames,
    accept_answers: change.acceptAnswers ? JSON.stringify(change.acceptAnswers) : null,
    decline_answers: change.declineAnswers ? JSON.stringify(change.declineAnswers) : null,
    room_to_xmatters: change.roomToXmatters,
    xmatters_to_room: change.xmattersToRoom,
    ...(change.nextGroups === undefined ? {} : { next_groups: change.nextGroups.length ? JSON.stringify(change.nextGroups) : null }),
    ...(change.nudgeMinutes === undefined ? {} : { nudge_minutes: change.nudgeMinutes }),
    updated_by: change.changedBy.id,
    updated_by_name: change.changedBy.name,
    updated_at: now,
  };
  await db('xmatters_settings')
    .insert({ installation_id: change.installationId, created_at: now, ...fields })
    .onConflict('installation_id')
    .merge(fields);
}

export interface CallbackCredentialsRecord {
  username: string;
  nonce: string;
  passwordHash: string;
}

/**
 * Stores the first callback credentials. Returns false (and changes nothing) when the installation
 * already has some, so two first saves at once cannot both hand out a password.
 */
export async function addCallbackCredentials(db: Db, installationId: string, credentials: CallbackCredentialsRecord): Promise<boolean> {
  const updated = await db('xmatters_settings')
    .where({ installation_id: installationId })
    .whereNull('callback_username')
    .update({
      callback_username: credentials.username,
      callback_nonce: credentials.nonce,
      callback_password_hash: credentials.passwordHash,
    });
  return updated > 0;
}

/** A new callback password (new nonce and hash) under the same username; false when there were none to replace. */
export async function replaceCallbackPassword(
  db: Db,
  installationId: string,
  password: Omit<CallbackCredentialsRecord, 'username'>,
  changedBy: ChangedBy,
): Promise<boolean> {
  const updated = await db('xmatters_settings')
    .where({ installation_id: installationId })
    .whereNotNull('callback_username')
    .update({
      callback_nonce: password.nonce,
      callback_password_hash: password.passwordHash,
      updated_by: changedBy.id,
      updated_by_name: changedBy.name,
      updated_at: Date.now(),
    });
  return updated > 0;
}

/** The installation and password hash behind a callback username, for authenticating xMatters' callbacks. */
export async function findCallbackCredentials(db: Db, callbackUsername: string): Promise<{ installationId: string; passwordHash: string } | undefined> {
  const row = await db('xmatters_settings')
    .select('installation_id', 'callback_password_hash')
    .where({ callback_username: callbackUsername })
    .whereNotNull('callback_password_hash')
    .first();
  return row ? { installationId: String(row.installation_id), passwordHash: String(row.callback_password_hash) } : undefined;
}
