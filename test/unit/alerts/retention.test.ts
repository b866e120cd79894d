import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { alertRetentionChore } from '../../../lib/alerts/retention';
import { openDb, type Db } from '../../../lib/store/db';
import { insertAlert, insertSource } from '../../../lib/store/alerts';
import { freshDatabase, type TestDatabase } from '../../helpers/db';

let database: TestDatabase;
let db: Db;
const DAY = 24 * 60 * 60_000;
const SOURCE = '6e9f2ba7-b860-4b7d-9127-21d578c334f4';

before(async () => {
  database = await freshDatabase();
  db = await openDb(database.database);
  await db('installations').insert({ oauth_id: 'inst', group_id: 1, capabilities_url: 'x', api_url: 'x', token_url: 'x', oauth_secret_sealed: 'x', state: 'active', created_at: 0, updated_at: 0 });
  const settings = { rooms: [{ id: 100, name: 'r' }], template: null, alertKey: '', dedupeMinutes: 5, rules: [], inviteWindowMinutes: 60 };
  await insertSource(db, { id: SOURCE, installationId: 'inst', name: 'CI', kind: 'hipchat', secretSealed: 'sealed', settings }, { id: '1', name: 'A' });
});
after(async () => {
  await db.destroy();
  await database.drop();
});

test('housekeeping drops closed windows and alerts not seen for 30 days, and keeps the rest', async () => {
  const now = Date.now();
  const alert = (id: string, at: number) => insertAlert(db, { id, installationId: 'inst', sourceId: SOURCE, roomId: 100, alertKey: id, test: false, notice: { text: id, color: 'gray', notify: false }, payload: {}, now: at });
  await alert('00000000-0000-4000-8000-000000000001', now - 31 * DAY);
  await alert('00000000-0000-4000-8000-000000000002', now - 29 * DAY);
  await db('alert_windows').insert([
    { source_id: SOURCE, key_hash: 'closed', alert_id: 'x', open_until: now - 1000 },
    { source_id: SOURCE, key_hash: 'open', alert_id: 'y', open_until: now + 60_000 },
  ]);
  await db('alert_invite_windows').insert({ source_id: SOURCE, key_hash: 'closed', alert_id: 'x', open_until: now - 1000 });
  assert.equal(await alertRetentionChore(db).run(), 3);
  assert.deepEqual((await db('alerts').select('id')).map((r: { id: string }) => r.id), ['00000000-0000-4000-8000-000000000002']);
  assert.deepEqual((await db('alert_windows').select('key_hash')).map((r: { key_hash: string }) => r.key_hash), ['open']);
  assert.equal((await db('alert_invite_windows')).length, 0);
});
