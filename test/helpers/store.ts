import { after, before } from 'node:test';
import { openDb, type Db } from '../../lib/store/db';
import { saveInstallation } from '../../lib/store/installations';

type NewInstallation = Parameters<typeof saveInstallation>[1];
import { freshDatabase, type TestDatabase } from './db';

/**
 * A fresh database opened for the whole test file (before/after hooks registered here), then `setUp`;
 * `store.db` is set once the file's first test runs. (Node 20 does not wait for one top-level `before`
 * hook before it starts the next, so the set-up belongs in the same hook.)
 */
export function useFreshStore(setUp: (db: Db) => Promise<unknown> = async () => {}): { db: Db; database: TestDatabase } {
  const store = {} as { db: Db; database: TestDatabase };
  before(async () => {
    store.database = await freshDatabase();
    store.db = await openDb(store.database.database);
    await setUp(store.db);
  });
  after(async () => {
    await store.db?.destroy();
    await store.database?.drop();
  });
  return store;
}

/** An installation row for store and queue tests that never talk to HipChat. */
export async function saveTestInstallation(db: Db, oauthId: string, overrides: Partial<NewInstallation> = {}): Promise<string> {
  await saveInstallation(db, {
    oauthId,
    groupId: 1,
    groupName: 'Acme',
    roomId: null,
    capabilitiesUrl: 'https://api.hipchat.com/v2/capabilities',
    apiUrl: 'https://api.hipchat.com/v2/',
    tokenUrl: 'https://api.hipchat.com/v2/oauth/token',
    homepageUrl: null,
    oauthSecretSealed: 'sealed',
    ...overrides,
  });
  return oauthId;
}
