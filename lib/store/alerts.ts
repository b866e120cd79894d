import type { Knex } from 'knex';
import type { AlertKind, SourceSettings } from '../alerts/settings';
import type { RoomNotice } from '../invites/chat';
import type { Db } from './db';
import { nullableString, toMs } from './db';
import type { ChangedBy } from './settings';

type Row = Record<string, unknown>;
type Executor = Db | Knex.Transaction;

/** An alert source as stored; `secretSealed` is for the intake's check only, never for display. */
export interface AlertSourceRecord {
  id: string;
  installationId: string;
  name: string;
  kind: AlertKind;
  secretSealed: string;
  settings: SourceSettings;
  updatedBy: string | null;
  updatedByName: string | null;
  secretCreatedAt: number;
  createdAt: number;
  updatedAt: number;
}

function sourceFromRow(row: Row): AlertSourceRecord {
  return {
    id: String(row.id),
    installationId: String(row.installation_id),
    name: String(row.name),
    kind: row.kind as AlertKind,
    secretSealed: String(row.secret_sealed),
    settings: JSON.parse(String(row.settings)) as SourceSettings,
    updatedBy: nullableString(row.updated_by),
    updatedByName: nullableString(row.updated_by_name),
    secretCreatedAt: toMs(row.secret_created_at),
    createdAt: toMs(row.created_at),
    updatedAt: toMs(row.updated_at),
  };
}

export async function insertSource(db: Executor, source: Pick<AlertSourceRecord, 'id' | 'installationId' | 'name' | 'kind' | 'secretSealed' | 'settings'>, by: ChangedBy): Promise<void> {
  const now = Date.now();
  await db('alert_sources').insert({
    id: source.id,
    installation_id: source.installationId,
    name: source.name,
    kind: source.kind,
    secret_sealed: source.secretSealed,
    settings: JSON.stringify(source.settings),
    updated_by: by.id,
    updated_by_name: by.name,
    secret_created_at: now,
    created_at: now,
    updated_at: now,
  });
}

/** Changes a source's name and settings; false when the installation has no source with this id. */
export async function updateSource(db: Executor, installationId: string, id: string, change: { name: string; settings: SourceSettings }, by: ChangedBy): Promise<boolean> {
  const updated = await db('alert_sources')
    .where({ id, installation_id: installationId })
    .update({ name: change.name, settings: JSON.stringify(change.settings), updated_by: by.id, updated_by_name: by.name, updated_at: Date.now() });
  return updated > 0;
}

export async function replaceSourceSecret(db: Executor, installationId: string, id: string, secretSealed: string, by: ChangedBy): Promise<boolean> {
  const now = Date.now();
  const updated = await db('alert_sources')
    .where({ id, installation_id: installationId })
    .update({ secret_sealed: secretSealed, secret_created_at: now, updated_by: by.id, updated_by_name: by.name, updated_at: now });
  return updated > 0;
}

/** Deletes a source with its alerts and windows, and the jobs still waiting to post its alerts. */
export async function deleteSource(db: Db, installationId: string, id: string): Promise<boolean> {
  return db.transaction(async (trx) => {
    const deleted = await trx('alert_sources').where({ id, installation_id: installationId }).delete();
    if (deleted === 0) return false;
    await trx('alert_invite_windows').where({ source_id: id }).delete();
    await trx('alert_windows').where({ source_id: id }).delete();
    await trx('alerts').where({ source_id: id }).delete();
    return true;
  });
}

export async function findSource(db: Executor, id: string): Promise<AlertSourceRecord | undefined> {
  const row = await db('alert_sources').where({ id }).first();
  return row ? sourceFromRow(row) : undefined;
}

export async function listSources(db: Executor, installationId: string): Promise<AlertSourceRecord[]> {
  return (await db('alert_sources').where({ installation_id: installationId }).orderBy('created_at')).map(sourceFromRow);
}

export async function countSources(db: Executor, installationId: string): Promise<number> {
  const row = (await db('alert_sources').where({ installation_id: installationId }).count({ n: '*' }).first()) as Row | undefined;
  return Number(row?.n ?? 0);
}

/** The rows a raw statement returned, on either database. */
function rowsOf(result: unknown): Row[] {
  return (Array.isArray(result) ? result : (result as { rows: Row[] }).rows) as Row[];
}

/**
 * The alert a key folds into: the one whose window is still open, else `alertId`, which then opens a new
 * window until `openUntil`. One upsert, so two instances receiving the same alert at once agree.
 */
export async function claimDedupeWindow(trx: Executor, w: { sourceId: string; keyHash: string; alertId: string; openUntil: number; now: number }): Promise<string> {
  const result = await trx.raw(
    `insert into alert_windows (source_id, key_hash, alert_id, open_until) values (?, ?, ?, ?)
     on conflict (source_id, key_hash) do update set
       alert_id = case when alert_windows.open_until <= ? then excluded.alert_id else alert_windows.alert_id end,
       open_until = case when alert_windows.open_until <= ? then excluded.open_until else alert_windows.open_until end
     returning alert_id`,
    [w.sourceId, w.keyHash, w.alertId, w.openUntil, w.now, w.now],
  );
  return String(rowsOf(result)[0]!.alert_id);
}

/** Opens the key's invite window for this alert; false while an earlier alert of the key holds it open. */
export async function claimInviteWindow(trx: Executor, w: { sourceId: string; keyHash: string; alertId: string; openUntil: number; now: number }): Promise<boolean> {
  const result = await trx.raw(
    `insert into alert_invite_windows (source_id, key_hash, alert_id, open_until) values (?, ?, ?, ?)
     on conflict (source_id, key_hash) do update set alert_id = excluded.alert_id, open_until = excluded.open_until
     where alert_invite_windows.open_until <= ?
     returning alert_id`,
    [w.sourceId, w.keyHash, w.alertId, w.openUntil, w.now],
  );
  return rowsOf(result).length > 0;
}

export interface StoredAlert {
  id: string;
  installationId: string;
  sourceId: string;
  roomId: number;
  alertKey: string;
  test: boolean;
  occurrences: number;
  postedOccurrences: number;
  notice: RoomNotice;
  inviteId: string | null;
  firstAt: number;
  lastAt: number;
  lastPostedAt: number;
}

function alertFromRow(row: Row): StoredAlert {
  return {
    id: String(row.id),
    installationId: String(row.installation_id),
    sourceId: String(row.source_id),
    roomId: Number(row.room_id),
    alertKey: String(row.alert_key),
    test: row.test === true || row.test === 1,
    occurrences: Number(row.occurrences),
    postedOccurrences: Number(row.posted_occurrences),
    notice: JSON.parse(String(row.notice)) as RoomNotice,
    inviteId: nullableString(row.invite_id),
    firstAt: toMs(row.first_at),
    lastAt: toMs(row.last_at),
    lastPostedAt: toMs(row.last_posted_at),
  };
}

/** A new alert, its first occurrence counted as posted: its notice is queued in the same transaction. */
export async function insertAlert(
  trx: Executor,
  alert: { id: string; installationId: string; sourceId: string; roomId: number; alertKey: string; test: boolean; notice: RoomNotice; payload: unknown; now: number },
): Promise<void> {
  await trx('alerts').insert({
    id: alert.id,
    installation_id: alert.installationId,
    source_id: alert.sourceId,
    room_id: alert.roomId,
    alert_key: alert.alertKey,
    test: alert.test,
    occurrences: 1,
    posted_occurrences: 1,
    notice: JSON.stringify(alert.notice),
    payload: JSON.stringify(alert.payload),
    first_at: alert.now,
    last_at: alert.now,
    last_posted_at: alert.now,
  });
}

/** Counts one more occurrence and keeps its notice; the alert as it is now, or undefined when it is gone. */
export async function addOccurrence(trx: Executor, id: string, occurrence: { notice: RoomNotice; now: number }): Promise<StoredAlert | undefined> {
  const rows = await trx('alerts')
    .where({ id })
    .update({ occurrences: trx.raw('occurrences + 1'), notice: JSON.stringify(occurrence.notice), last_at: occurrence.now })
    .returning('*');
  const row = (rows as Row[])[0];
  return row ? alertFromRow(row) : undefined;
}

/** The alert, locked until the transaction ends where the database can (PostgreSQL). */
export async function findAlertForUpdate(trx: Knex.Transaction, id: string): Promise<StoredAlert | undefined> {
  const query = trx('alerts').where({ id });
  const row = await (trx.client.config.client === 'pg' ? query.forUpdate() : query).first();
  return row ? alertFromRow(row) : undefined;
}

export async function findAlert(db: Executor, id: string): Promise<StoredAlert | undefined> {
  const row = await db('alerts').where({ id }).first();
  return row ? alertFromRow(row) : undefined;
}

export async function markPosted(trx: Executor, id: string, occurrences: number, at: number): Promise<void> {
  await trx('alerts').where({ id }).update({ posted_occurrences: occurrences, last_posted_at: at });
}

export async function setAlertInvite(db: Executor, id: string, inviteId: string): Promise<void> {
  await db('alerts').where({ id }).update({ invite_id: inviteId });
}

/** Housekeeping: closed windows, and alerts last seen before `before`. */
export async function pruneAlerts(db: Db, now: number, before: number): Promise<number> {
  const windows = await db('alert_windows').where('open_until', '<', now).delete();
  const invites = await db('alert_invite_windows').where('open_until', '<', now).delete();
  const alerts = await db('alerts').where('last_at', '<', before).delete();
  return windows + invites + alerts;
}
