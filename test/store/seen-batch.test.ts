import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { openDb, type Db } from '../../lib/store/db';
import { saveInstallation } from '../../lib/store/installations';
import { markSeen } from '../../lib/store/invites';
import { SeenEventBatch } from '../../lib/store/seen-batch';
import { freshDatabase, type TestDatabase } from '../helpers/db';

let database: TestDatabase;
let db: Db;
const INSTALLATION = 'inst-seen-batch';

before(async () => {
  database = await freshDatabase();
  db = await openDb(database.database);
  await saveInstallation(db, {
    oauthId: INSTALLATION,
    groupId: 1,
    groupName: 'Acme',
    roomId: null,
    capabilitiesUrl: 'https://api.hipchat.com/v2/capabilities',
    apiUrl: 'https://api.hipchat.com/v2/',
    tokenUrl: 'https://api.hipchat.com/v2/oauth/token',
    homepageUrl: null,
    oauthSecretSealed: 'sealed',
  });
});
after(async () => {
  await db.destroy();
  await database.drop();
});

const stored = async (prefix: string) => (await db('seen_events').where('event_key', 'like', `${prefix}%`)).map((r) => String(r.event_key)).sort();

test('keys marked at the same time are each fresh once, and stored', async () => {
  const batch = new SeenEventBatch(db);
  const keys = Array.from({ length: 300 }, (_, i) => `msg:a-${String(i).padStart(3, '0')}`);
  const fresh = await Promise.all(keys.map((k) => batch.mark(INSTALLATION, k)));
  assert.ok(fresh.every(Boolean));
  assert.deepEqual(await stored('msg:a-'), keys);
});

test('the same key twice at once, or again later, or seen by markSeen before: fresh only the first time', async () => {
  const batch = new SeenEventBatch(db);
  assert.equal(await markSeen(db, INSTALLATION, 'msg:b-seen'), true);
  const [first, second, known] = await Promise.all([batch.mark(INSTALLATION, 'msg:b-1'), batch.mark(INSTALLATION, 'msg:b-1'), batch.mark(INSTALLATION, 'msg:b-seen')]);
  assert.deepEqual([first, second, known], [true, false, false]);
  assert.equal(await batch.mark(INSTALLATION, 'msg:b-1'), false);
  assert.deepEqual(await stored('msg:b-'), ['msg:b-1', 'msg:b-seen']);
});

test('a key that cannot be stored fails alone: the others of its batch are stored', async () => {
  const batch = new SeenEventBatch(db);
  const results = await Promise.allSettled([batch.mark(INSTALLATION, 'msg:c-1'), batch.mark('no-such-installation', 'msg:c-2'), batch.mark(INSTALLATION, 'msg:c-3')]);
  assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
  assert.deepEqual(await stored('msg:c-'), ['msg:c-1', 'msg:c-3']);
});
