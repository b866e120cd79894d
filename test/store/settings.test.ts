import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { openDb, type Db } from '../../lib/store/db';
import { deleteInstallation } from '../../lib/store/installations';
import {
  addCallbackCredentials,
  findSettings,
  findStoredSettings,
  replaceCallbackPassword,
  saveSettings,
  type SettingsChange,
} from '../../lib/store/settings';
import { freshDatabase, type TestDatabase } from '../helpers/db';
import { saveTestInstallation } from '../helpers/store';

let database: TestDatabase;
let db: Db;

before(async () => {
  database = await freshDatabase();
  db = await openDb(database.database);
});
after(async () => {
  await db.destroy();
  await database.drop();
});

const installation = (oauthId: string) => saveTestInstallation(db, oauthId, { homepageUrl: 'https://www.hipchat.com', oauthSecretSealed: 'v1.x.y.z' });

const INVITE_URL = 'https://acme.xmatters.com/api/integration/1/functions/8a1f0c3e-5b7d-4e2a-9c61-2f4d8e0b7a53/triggers';

const change = (installationId: string, overrides: Partial<SettingsChange> = {}): SettingsChange => ({
  installationId,
  hostname: 'acme.xmatters.com',
  username: 'hipchat',
  passwordSealed: 'v1.sealed-password',
  inviteUrlSealed: INVITE_URL,
  verifiedAt: 1_700_000_000_000,
  verifiedAs: 'Integration User (hipchat)',
  matchMentionNames: false,
  acceptAnswers: null,
  declineAnswers: null,
  roomToXmatters: true,
  xmattersToRoom: true,
  changedBy: { id: '1', name: 'Alice Admin' },
  ...overrides,
});

test('nothing is found before the first save', async () => {
  const id = await installation('inst-empty');
  assert.equal(await findSettings(db, id), undefined);
  assert.equal(await findStoredSettings(db, id), undefined);
});

test('save, then find: the display record holds no secret material', async () => {
  const id = await installation('inst-save');
  await saveSettings(db, change(id));
  const view = await findSettings(db, id);
  assert.ok(view);
  assert.equal(view.hostname, 'acme.xmatters.com');
  assert.equal(view.verifiedAt, 1_700_000_000_000);
  assert.equal(view.updatedByName, 'Alice Admin');
  assert.equal(view.callbackUsername, null);
  assert.deepEqual(
    Object.keys(view).filter((key) => /password|nonce|sealed|hash/i.test(key)),
    [],
  );
  assert.ok(!JSON.stringify(view).includes('sealed-password'));
  const stored = await findStoredSettings(db, id);
  assert.equal(stored?.passwordSealed, 'v1.sealed-password');
});

test('an Invite to Room URL with a sealed apiKey is shown masked; the stored record keeps it sealed', async () => {
  const id = await installation('inst-api-key');
  const sealed = `${INVITE_URL}?apiKey=v1.AAAAAAAAAAAAAAAA.BBBBBBBBBBBBBBBBBBBBBB.c2VhbGVk`;
  await saveSettings(db, change(id, { inviteUrlSealed: sealed }));
  const view = await findSettings(db, id);
  assert.equal(view?.inviteUrl, `${INVITE_URL}?apiKey=••••••`);
  const stored = await findStoredSettings(db, id);
  assert.equal(stored?.inviteUrl, `${INVITE_URL}?apiKey=••••••`);
  assert.equal(stored?.inviteUrlSealed, sealed);
});

test('a URL without a key is shown as it is', async () => {
  const id = await installation('inst-basic-url');
  await saveSettings(db, change(id));
  assert.equal((await findSettings(db, id))?.inviteUrl, INVITE_URL);
  assert.equal((await findStoredSettings(db, id))?.inviteUrlSealed, INVITE_URL);
});

test('saving again replaces the connection settings and keeps the callback credentials and creation time', async () => {
  const id = await installation('inst-resave');
  await saveSettings(db, change(id));
  assert.equal(await addCallbackCredentials(db, id, { username: 'xm-resave', nonce: 'n1', passwordHash: 'h1' }), true);
  const first = await findStoredSettings(db, id);
  await saveSettings(db, change(id, { username: 'other', verifiedAt: null, verifiedAs: null, changedBy: { id: '2', name: 'Bob Smith' } }));
  const second = await findStoredSettings(db, id);
  assert.equal(second?.username, 'other');
  assert.equal(second?.verifiedAt, null);
  assert.equal(second?.updatedByName, 'Bob Smith');
  assert.equal(second?.createdAt, first?.createdAt);
  assert.deepEqual([second?.callbackUsername, second?.callbackNonce, second?.callbackPasswordHash], ['xm-resave', 'n1', 'h1']);
});

test('callback credentials are added only once', async () => {
  const id = await installation('inst-once');
  assert.equal(await addCallbackCredentials(db, id, { username: 'xm-early', nonce: 'n', passwordHash: 'h' }), false, 'no settings row yet');
  await saveSettings(db, change(id));
  assert.equal(await addCallbackCredentials(db, id, { username: 'xm-once', nonce: 'n1', passwordHash: 'h1' }), true);
  assert.equal(await addCallbackCredentials(db, id, { username: 'xm-twice', nonce: 'n2', passwordHash: 'h2' }), false);
  const stored = await findStoredSettings(db, id);
  assert.deepEqual([stored?.callbackUsername, stored?.callbackPasswordHash], ['xm-once', 'h1']);
});

test('replacing the callback password keeps the username and records who did it', async () => {
  const id = await installation('inst-replace');
  await saveSettings(db, change(id));
  const bob = { id: '2', name: 'Bob Smith' };
  assert.equal(await replaceCallbackPassword(db, id, { nonce: 'n', passwordHash: 'h' }, bob), false, 'nothing to replace yet');
  await addCallbackCredentials(db, id, { username: 'xm-replace', nonce: 'n1', passwordHash: 'h1' });
  assert.equal(await replaceCallbackPassword(db, id, { nonce: 'n2', passwordHash: 'h2' }, bob), true);
  const stored = await findStoredSettings(db, id);
  assert.deepEqual([stored?.callbackUsername, stored?.callbackNonce, stored?.callbackPasswordHash], ['xm-replace', 'n2', 'h2']);
  assert.equal(stored?.updatedByName, 'Bob Smith');
});

test('settings go with their installation', async () => {
  const id = await installation('inst-gone');
  await saveSettings(db, change(id));
  await deleteInstallation(db, id);
  assert.equal(await findSettings(db, id), undefined);
});
