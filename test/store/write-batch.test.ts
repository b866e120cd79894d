import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { openDb, type Db } from '../../lib/store/db';
import { saveInstallation } from '../../lib/store/installations';
import { WriteBatch } from '../../lib/store/write-batch';
import { freshDatabase, type TestDatabase } from '../helpers/db';

// Runs on SQLite (npm test) and on PostgreSQL (npm run test:pg): real transactions, real commits.

let database: TestDatabase;
let db: Db;
const INSTALLATION = 'inst-write-batch';
const jobRow = (text: string) => ({
  kind: 'room.notice',
  installation_id: INSTALLATION,
  room_id: 1,
  payload: JSON.stringify({ text }),
  state: 'pending',
  attempts: 0,
  max_attempts: 1,
  run_at: 0,
  created_at: 0,
  updated_at: 0,
});

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

const texts = async () => (await db('jobs').select('payload').orderBy('id')).map((r: { payload: string }) => (JSON.parse(r.payload) as { text: string }).text);

/** Counts the transactions knex begins while `work` runs. */
async function countTransactions<T>(work: () => Promise<T>): Promise<{ result: T; transactions: number }> {
  let transactions = 0;
  const onQuery = (q: { sql?: string }) => {
    if (/^\s*begin/i.test(q.sql ?? '')) transactions++;
  };
  db.on('query', onQuery);
  try {
    return { result: await work(), transactions };
  } finally {
    db.removeListener('query', onQuery);
  }
}

test('writes that arrive during a commit share the next one; each caller gets its own result once stored', async () => {
  await db('jobs').delete();
  const batch = new WriteBatch(db);
  const { result, transactions } = await countTransactions(() =>
    Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        batch.run(async (trx) => {
          await trx('jobs').insert(jobRow(`w${i}`));
          return `result ${i}`;
        }),
      ),
    ),
  );
  assert.deepEqual(result, Array.from({ length: 30 }, (_, i) => `result ${i}`));
  // The first goes alone; the 29 that queued meanwhile share one.
  assert.equal(transactions, 2, `${transactions} transactions for 30 writes`);
  assert.deepEqual(await texts(), Array.from({ length: 30 }, (_, i) => `w${i}`), 'every write stored, in order');
});

test('one failing write fails only its caller: the others are stored, the failed one left nothing', async () => {
  await db('jobs').delete();
  const batch = new WriteBatch(db);
  const outcomes = await Promise.allSettled(
    Array.from({ length: 10 }, (_, i) =>
      batch.run(async (trx) => {
        await trx('jobs').insert(jobRow(`w${i}`));
        if (i === 4) await trx('no_such_table').insert({ x: 1 });
        return i;
      }),
    ),
  );
  assert.deepEqual(
    outcomes.map((o) => o.status),
    Array.from({ length: 10 }, (_, i) => (i === 4 ? 'rejected' : 'fulfilled')),
  );
  assert.match(String((outcomes[4] as PromiseRejectedResult).reason), /no_such_table/);
  assert.deepEqual(await texts(), ['w0', 'w1', 'w2', 'w3', 'w5', 'w6', 'w7', 'w8', 'w9'], 'w4 rolled back, the rest stored once each');
});

test('a caller learns of its write only after the commit: a write rolled back is never reported stored', async () => {
  await db('jobs').delete();
  const batch = new WriteBatch(db);
  let reported = 0;
  const first = batch.run(async (trx) => trx('jobs').insert(jobRow('first')));
  const shared = [
    batch.run(async (trx) => {
      await trx('jobs').insert(jobRow('kept'));
    }).then(() => reported++),
    batch.run(async (trx) => {
      await trx('jobs').insert(jobRow('rolled back'));
      throw new Error('refused after writing');
    }),
  ];
  await first;
  const [kept, failed] = await Promise.allSettled(shared);
  assert.equal(kept!.status, 'fulfilled');
  assert.equal(failed!.status, 'rejected');
  assert.equal(reported, 1);
  assert.deepEqual(await texts(), ['first', 'kept']);
});
