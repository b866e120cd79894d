import type { Db } from './db';
import { nullableMs, toMs } from './db';

export interface InstallationRecord {
  oauthId: string;
  groupId: number;
  groupName: string | null;
  roomId: number | null;
  capabilitiesUrl: string;
  apiUrl: string;
  tokenUrl: string;
  homepageUrl: string | null;
  oauthSecretSealed: string;
  state: 'active' | 'revoked';
  /** When the add-on concluded that HipChat no longer knows the client; its data is purged a grace period later. */
  revokedAt: number | null;
  createdAt: number;
  updatedAt: number;
}

type Row = Record<string, unknown>;

function fromRow(row: Row): InstallationRecord {
  return {
    oauthId: String(row.oauth_id),
    groupId: Number(row.group_id),
    groupName: (row.group_name as string | null) ?? null,
    roomId: row.room_id === null || row.room_id === undefined ? null : Number(row.room_id),
    capabilitiesUrl: String(row.capabilities_url),
    apiUrl: String(row.api_url),
    tokenUrl: String(row.token_url),
    homepageUrl: (row.homepage_url as string | null) ?? null,
    oauthSecretSealed: String(row.oauth_secret_sealed),
    state: row.state === 'revoked' ? 'revoked' : 'active',
    revokedAt: nullableMs(row.revoked_at),
    createdAt: toMs(row.created_at),
    updatedAt: toMs(row.updated_at),
  };
}

export async function findInstallation(db: Db, oauthId: string): Promise<InstallationRecord | undefined> {
  const row = await db('installations').where({ oauth_id: oauthId }).first();
  return row ? fromRow(row) : undefined;
}

/** Inserts the installation, or refreshes its HipChat URLs when the same one is posted again. */
export async function saveInstallation(db: Db, rec: Omit<InstallationRecord, 'createdAt' | 'updatedAt' | 'state' | 'revokedAt'>): Promise<void> {
  const now = Date.now();
  const fields = {
    group_id: rec.groupId,
    group_name: rec.groupName,
    room_id: rec.roomId,
    capabilities_url: rec.capabilitiesUrl,
    api_url: rec.apiUrl,
    token_url: rec.tokenUrl,
    homepage_url: rec.homepageUrl,
    oauth_secret_sealed: rec.oauthSecretSealed,
    state: 'active',
    revoked_at: null,
    updated_at: now,
  };
  await db('installations')
    .insert({ oauth_id: rec.oauthId, created_at: now, ...fields })
    .onConflict('oauth_id')
    .merge(fields);
}

/** HipChat no longer knows the client: the installation stops working, its data is kept. False when it was not active. */
export async function markRevoked(db: Db, oauthId: string, at: number): Promise<boolean> {
  const updated = await db('installations').where({ oauth_id: oauthId, state: 'active' }).update({ state: 'revoked', revoked_at: at, updated_at: at });
  return updated > 0;
}

/** HipChat grants tokens again: the installation works again with everything it had. False when it was not revoked. */
export async function restoreInstallation(db: Db, oauthId: string): Promise<boolean> {
  const updated = await db('installations').where({ oauth_id: oauthId, state: 'revoked' }).update({ state: 'active', revoked_at: null, updated_at: Date.now() });
  return updated > 0;
}

export async function listRevoked(db: Db): Promise<InstallationRecord[]> {
  return (await db('installations').where({ state: 'revoked' }).orderBy('revoked_at')).map(fromRow);
}

/**
 * Removes the installation and everything it owns, in one transaction.
 */
export async function deleteInstallation(db: Db, oauthId: string): Promise<boolean> {
  return db.transaction(async (trx) => {
    await purgeOwned(trx, oauthId);
    const deleted = await trx('installations').where({ oauth_id: oauthId }).delete();
    return deleted > 0;
  });
}

/** Deletes every row an installation owns, children before parents. */
async function purgeOwned(trx: Db, oauthId: string): Promise<void> {
  await trx('invite_recipients').whereIn('invite_id', trx('invites').select('id').where({ installation_id: oauthId })).delete();
  for (const table of ['seen_events', 'rooms', 'room_glances', 'activity', 'jobs', 'invites', 'xmatters_settings']) {
    await trx(table).where({ installation_id: oauthId }).delete();
  }
}
