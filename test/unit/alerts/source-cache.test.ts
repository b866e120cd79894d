import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ALERT_SOURCES_TOPIC, SourceCache } from '../../../lib/alerts/source-cache';
import { secretDigest } from '../../../lib/alerts/secrets';
import { createLogger } from '../../../lib/logger';
import { createSealer } from '../../../lib/security/seal';
import { openChangeFeed, type ChangeFeed } from '../../../lib/store/change-feed';
import { openDb, type Db } from '../../../lib/store/db';
import { insertSource, updateSource } from '../../../lib/store/alerts';
import { freshDatabase, type TestDatabase } from '../../helpers/db';

let database: TestDatabase;
let db: Db;
let feed: ChangeFeed;
let reads = 0;
const sealer = createSealer(Buffer.alloc(32, 7));
const by = { id: '1', name: 'Alice Admin' };
const settings = { rooms: [{ id: 100, name: 'Ops War Room' }], template: null, alertKey: '', dedupeMinutes: 5, rules: [], inviteWindowMinutes: 60 };
const ID = '6e9f2ba7-b860-4b7d-9127-21d578c334f4';

before(async () => {
  database = await freshDatabase();
  db = await openDb(database.database);
  feed = await openChangeFeed(db, createLogger('silent'));
  db.on('query', (q: { sql: string }) => {
    if (/alert_sources/.test(q.sql)) reads++;
  });
  await db('installations').insert({ oauth_id: 'inst', group_id: 1, capabilities_url: 'x', api_url: 'x', token_url: 'x', oauth_secret_sealed: 'x', state: 'active', created_at: 0, updated_at: 0 });
  await insertSource(db, { id: ID, installationId: 'inst', name: 'CI', kind: 'hipchat', secretSealed: sealer.seal('the-secret'), settings }, by);
});
after(async () => {
  await feed.close();
  await db.destroy();
  await database.drop();
});

test('a source is read once and served from memory, its secret only as a digest', async () => {
  const cache = new SourceCache(db, sealer, feed);
  reads = 0;
  const source = await cache.get(ID);
  assert.equal(source?.name, 'CI');
  assert.deepEqual(source?.digest, secretDigest('the-secret'));
  assert.ok(!JSON.stringify(source).includes('the-secret'));
  assert.equal((await cache.get(ID))?.name, 'CI');
  assert.equal(reads, 1);
});

test('ids that are not source ids cost no read; unknown ones are remembered', async () => {
  const cache = new SourceCache(db, sealer, feed);
  reads = 0;
  assert.equal(await cache.get('not-an-id'), undefined);
  assert.equal(await cache.get('../../etc/passwd'), undefined);
  assert.equal(reads, 0);
  const unknown = '00000000-0000-4000-8000-000000000000';
  assert.equal(await cache.get(unknown), undefined);
  assert.equal(await cache.get(unknown), undefined);
  assert.equal(reads, 1);
});

test('a change published on the feed is seen at once; a minute later the entry is read again anyway', async () => {
  let now = 1_000_000;
  const cache = new SourceCache(db, sealer, feed, () => now);
  assert.equal((await cache.get(ID))?.name, 'CI');
  await updateSource(db, 'inst', ID, { name: 'CI server', settings }, by);
  assert.equal((await cache.get(ID))?.name, 'CI', 'served from memory until told');
  await feed.publish(ALERT_SOURCES_TOPIC, ID);
  assert.equal((await cache.get(ID))?.name, 'CI server');
  await db('alert_sources').where({ id: ID }).update({ name: 'renamed behind its back' });
  now += 60_000;
  assert.equal((await cache.get(ID))?.name, 'renamed behind its back');
});
