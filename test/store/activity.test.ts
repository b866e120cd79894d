import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { listActivity, markRequeued, pruneActivity, recordCallback, recordDelivery } from '../../lib/store/activity';
import { saveInstallation } from '../../lib/store/installations';
import { enqueueJobs, findJob, listJobs, requeueFailedJob } from '../../lib/store/jobs';
import { queueDatabase, type QueueDatabase } from '../helpers/queue';

// The activity log's table: a delivery's row updated as its runs settle, secrets redacted before they
// are stored, newest first with paging and the failures filter, pruned per installation; and the
// admin's requeue of a failed job, which changes nothing for any other job. SQLite in `npm test`,
// PostgreSQL in `npm run test:pg`.

let q: QueueDatabase;
const OTHER = 'activity-other-installation';

before(async () => {
  q = await queueDatabase();
  await saveInstallation(q.db, {
    oauthId: OTHER,
    groupId: 2,
    groupName: 'Other',
    roomId: null,
    capabilitiesUrl: 'https://hipchat.invalid/v2/capabilities',
    apiUrl: 'https://hipchat.invalid/v2',
    tokenUrl: 'https://hipchat.invalid/v2/oauth/token',
    homepageUrl: null,
    oauthSecretSealed: 'unused',
  });
});
after(() => q.close());
beforeEach(async () => {
  await q.db('activity').delete();
  await q.db('jobs').delete();
});

async function newJob(installationId = q.installationId): Promise<number> {
  await enqueueJobs(q.db, [{ kind: 'room.notice', installationId, roomId: 100, payload: { n: Math.random() } }]);
  return Math.max(...(await listJobs(q.db)).map((j) => j.id));
}
const delivery = (jobId: number, outcome: 'delivered' | 'retrying' | 'failed', error: string | null = null) => ({
  installationId: q.installationId,
  jobId,
  kind: 'room.notice',
  roomId: 100,
  peer: 'hipchat' as const,
  outcome,
  statusCode: outcome === 'delivered' ? 204 : 503,
  error,
  attempts: outcome === 'delivered' ? 2 : 1,
});

describe('the log', () => {
  test("a delivery keeps one row, brought up to date by each run; its job's state comes along", async () => {
    const jobId = await newJob();
    await recordDelivery(q.db, delivery(jobId, 'retrying', 'HipChat answered 503'));
    await recordDelivery(q.db, delivery(jobId, 'delivered'));
    const [entry, ...rest] = await listActivity(q.db, q.installationId, { limit: 10 });
    assert.deepEqual(rest, []);
    assert.equal(entry!.outcome, 'delivered');
    assert.equal(entry!.statusCode, 204);
    assert.equal(entry!.error, null);
    assert.equal(entry!.attempts, 2);
    assert.equal(entry!.jobState, 'pending');
  });

  test('credentials in error texts and subjects are redacted before they are stored', async () => {
    const secret = 'eyJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJ4In0.c2lnbmF0dXJl';
    await recordDelivery(q.db, delivery(await newJob(), 'failed', `Could not reach https://h.example.com/v2?auth_token=hunter2-token: Authorization: Basic aGlwY2hhdDpwYXNz`));
    await recordCallback(q.db, { installationId: q.installationId, kind: 'response', outcome: 'refused', statusCode: 400, error: `bad ${secret}`, subject: `event ?token=${secret}` });
    const stored = JSON.stringify(await q.db('activity').select('*'));
    for (const value of ['hunter2-token', 'aGlwY2hhdDpwYXNz', secret]) assert.ok(!stored.includes(value), `${value} is not stored`);
    assert.match(stored, /auth_token=\[Redacted\]/);
  });

  test('newest first, paged, failures only on request, one installation at a time', async () => {
    for (let i = 0; i < 5; i++) await recordDelivery(q.db, delivery(await newJob(), i % 2 ? 'failed' : 'delivered'));
    await recordCallback(q.db, { installationId: q.installationId, kind: 'status', outcome: 'refused', statusCode: 404, error: 'No invite', subject: null });
    await recordCallback(q.db, { installationId: OTHER, kind: 'status', outcome: 'accepted', statusCode: 200, error: null, subject: null });
    const all = await listActivity(q.db, q.installationId, { limit: 10 });
    assert.equal(all.length, 6);
    assert.deepEqual(all.map((e) => e.id), [...all.map((e) => e.id)].sort((a, b) => b - a));
    const page2 = await listActivity(q.db, q.installationId, { limit: 2, beforeId: all[1]!.id });
    assert.deepEqual(page2.map((e) => e.id), [all[2]!.id, all[3]!.id]);
    const failures = await listActivity(q.db, q.installationId, { limit: 10, failedOnly: true });
    assert.deepEqual(failures.map((e) => e.outcome), ['refused', 'failed', 'failed']);
    assert.equal((await listActivity(q.db, OTHER, { limit: 10 })).length, 1);
  });

  test('pruning keeps the last N rows of each installation and nothing of the others changes', async () => {
    for (let i = 0; i < 7; i++) await recordCallback(q.db, { installationId: q.installationId, kind: 'status', outcome: 'accepted', statusCode: 200, error: null, subject: `event ${i}` });
    for (let i = 0; i < 3; i++) await recordCallback(q.db, { installationId: OTHER, kind: 'status', outcome: 'accepted', statusCode: 200, error: null, subject: `event ${i}` });
    assert.equal(await pruneActivity(q.db, 4), 3);
    assert.deepEqual((await listActivity(q.db, q.installationId, { limit: 10 })).map((e) => e.subject), ['event 6', 'event 5', 'event 4', 'event 3']);
    assert.equal((await listActivity(q.db, OTHER, { limit: 10 })).length, 3);
    assert.equal(await pruneActivity(q.db, 4), 0);
  });
});

describe('requeueing a failed job', () => {
  test('a failed job of the installation goes back to pending with its attempts reset', async () => {
    const jobId = await newJob();
    await q.db('jobs').where({ id: jobId }).update({ state: 'failed', attempts: 10, last_error: 'HipChat answered 400' });
    await recordDelivery(q.db, delivery(jobId, 'failed', 'HipChat answered 400'));
    assert.equal(await requeueFailedJob(q.db, q.installationId, jobId), true);
    await markRequeued(q.db, q.installationId, jobId);
    const job = (await findJob(q.db, jobId))!;
    assert.equal(job.state, 'pending');
    assert.equal(job.attempts, 0);
    assert.equal(job.leaseUntil, null);
    assert.equal((await listActivity(q.db, q.installationId, { limit: 1 }))[0]!.outcome, 'requeued');
  });

  test("another installation's job and a job that is not failed are left as they were", async () => {
    const other = await newJob(OTHER);
    await q.db('jobs').where({ id: other }).update({ state: 'failed', attempts: 3 });
    const pending = await newJob();
    const running = await newJob();
    await q.db('jobs').where({ id: running }).update({ state: 'running', attempts: 1 });
    const done = await newJob();
    await q.db('jobs').where({ id: done }).update({ state: 'done', attempts: 1 });
    const before = await q.db('jobs').select('*').orderBy('id');
    assert.equal(await requeueFailedJob(q.db, q.installationId, other), false);
    for (const id of [pending, running, done, 999_999]) assert.equal(await requeueFailedJob(q.db, q.installationId, id), false);
    assert.deepEqual(await q.db('jobs').select('*').orderBy('id'), before);
  });
});
