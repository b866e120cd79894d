import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { createSealer } from '../../lib/security/seal';
import { openDb, type Db } from '../../lib/store/db';
import { deleteInstallation, findInstallation, listRevoked, markRevoked, restoreInstallation, saveInstallation } from '../../lib/store/installations';
import { InstallationCache } from '../../lib/hipchat/installations';
import { freshDatabase, type TestDatabase } from '../helpers/db';

let database: TestDatabase;
let db: Db;
const sealer = createSealer(randomBytes(32));

before(async () => {
  database = await freshDatabase();
  db = await openDb(database.database);
});
after(async () => {
  await db.destroy();
  await database.drop();
});

const sample = (oauthId: string, roomId: number | null = 100) => ({
  oauthId,
  groupId: 1,
  groupName: 'Acme',
  roomId,
  capabilitiesUrl: 'https://api.hipchat.com/v2/capabilities',
  apiUrl: 'https://api.hipchat.com/v2/',
  tokenUrl: 'https://api.hipchat.com/v2/oauth/token',
  homepageUrl: 'https://www.hipchat.com',
  oauthSecretSealed: sealer.seal(`secret-of-${oauthId}`),
});

test(`migrations are idempotent (${process.env.TEST_DATABASE_URL ? 'PostgreSQL' : 'SQLite'})`, async () => {
  await openDb(database.database).then((second) => second.destroy());
  const [completed] = await db.migrate.list({ migrationSource: (await import('../../lib/store/migrations')).migrationSource });
  assert.ok(Array.isArray(completed) && completed.length > 0);
});

test('an installation round-trips with its secret sealed', async () => {
  await saveInstallation(db, sample('room-install', 100));
  await saveInstallation(db, sample('global-install', null));
  const room = await findInstallation(db, 'room-install');
  assert.equal(room?.roomId, 100);
  assert.equal(room?.groupId, 1);
  assert.equal(room?.state, 'active');
  assert.equal(typeof room?.createdAt, 'number');
  assert.equal(sealer.unseal(room!.oauthSecretSealed), 'secret-of-room-install');
  const raw = await db('installations').where({ oauth_id: 'room-install' }).first();
  assert.ok(!JSON.stringify(raw).includes('secret-of-room-install'), 'the plain secret is not stored');
  assert.equal((await findInstallation(db, 'global-install'))?.roomId, null);
});

test('saving the same installation again updates it and keeps its creation time', async () => {
  const before = await findInstallation(db, 'room-install');
  await saveInstallation(db, { ...sample('room-install', 100), apiUrl: 'https://api.hipchat.com/v2/x/' });
  const afterSave = await findInstallation(db, 'room-install');
  assert.equal(afterSave?.apiUrl, 'https://api.hipchat.com/v2/x/');
  assert.equal(afterSave?.createdAt, before?.createdAt);
  assert.equal((await db('installations').count({ n: '*' }))[0]?.n?.toString(), '2');
});

test('the cache serves from memory and re-reads on demand', async () => {
  const cache = new InstallationCache(db, sealer);
  const first = await cache.get('room-install');
  assert.equal(first?.oauthSecret, 'secret-of-room-install');
  await db('installations').where({ oauth_id: 'room-install' }).update({ group_name: 'Changed' });
  assert.equal((await cache.get('room-install'))?.groupName, 'Acme', 'served from memory');
  assert.equal((await cache.refresh('room-install'))?.groupName, 'Changed');
  assert.equal(await cache.get('nobody'), undefined);
});

test('an entry is read again once a minute, so another instance\'s uninstall reaches this one', async () => {
  let now = Date.now();
  const cache = new InstallationCache(db, sealer, () => now);
  assert.ok(await cache.get('room-install'));
  await db('installations').where({ oauth_id: 'room-install' }).update({ state: 'revoked' });
  assert.ok(await cache.get('room-install'), 'still served from memory');
  now += 61_000;
  assert.equal(await cache.get('room-install'), undefined);
  await db('installations').where({ oauth_id: 'room-install' }).update({ state: 'active' });
});

test('a revoked installation keeps its row and data, is no longer served, and can be restored', async () => {
  const at = Date.now();
  assert.equal(await markRevoked(db, 'global-install', at), true);
  assert.equal(await markRevoked(db, 'global-install', at + 1), false, 'only an active one is revoked');
  const revoked = await findInstallation(db, 'global-install');
  assert.equal(revoked?.state, 'revoked');
  assert.equal(revoked?.revokedAt, at);
  assert.deepEqual((await listRevoked(db)).map((r) => r.oauthId), ['global-install']);
  assert.equal(await new InstallationCache(db, sealer).get('global-install'), undefined);
  assert.equal(await restoreInstallation(db, 'global-install'), true);
  const restored = await findInstallation(db, 'global-install');
  assert.equal(restored?.state, 'active');
  assert.equal(restored?.revokedAt, null);
  assert.ok(await new InstallationCache(db, sealer).get('global-install'));
});

test('an unknown oauthId is remembered briefly: a stream of them reads the database once', async () => {
  let now = Date.now();
  let reads = 0;
  const counting = new Proxy(db, { apply: (target, self, args) => (reads++, Reflect.apply(target, self, args)) });
  const cache = new InstallationCache(counting, sealer, () => now);
  for (let i = 0; i < 50; i++) assert.equal(await cache.get('made-up'), undefined);
  assert.equal(reads, 1);
  now += 31_000;
  assert.equal(await cache.get('made-up'), undefined);
  assert.equal(reads, 2, 'read again after a while');
});

test('a signature mismatch re-reads the installation at most once per 10 s', async () => {
  let now = Date.now();
  let reads = 0;
  const counting = new Proxy(db, { apply: (target, self, args) => (reads++, Reflect.apply(target, self, args)) });
  const cache = new InstallationCache(counting, sealer, () => now);
  assert.ok(await cache.get('room-install'));
  reads = 0;
  for (let i = 0; i < 20; i++) await cache.reloadAfterMismatch('room-install');
  assert.equal(reads, 1);
  now += 10_001;
  await cache.reloadAfterMismatch('room-install');
  assert.equal(reads, 2);
});

test('deleting removes the installation', async () => {
  assert.equal(await deleteInstallation(db, 'room-install'), true);
  assert.equal(await findInstallation(db, 'room-install'), undefined);
  assert.equal(await deleteInstallation(db, 'room-install'), false);
});
