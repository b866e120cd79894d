import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { alertPayload, createSource, sourceBody, type CreatedSource } from '../helpers/alerts';
import { pageToken } from '../helpers/bad-world';
import { waitFor } from '../helpers/wait';
import { installAndConfigure, startWorld, type ConfiguredInstallation, type World } from '../helpers/world';

// The configure tab's activity log: a delivery HipChat refused is listed with its status code and
// error text, an admin retries it and the notice arrives; retries are refused (and change nothing)
// for non-admins, other installations and jobs that did not fail; callbacks from xMatters are listed
// with what the add-on answered; no secret is in the page or the JSON.

const ALICE = 1; // group admin
const BOB = 2; // neither admin nor owner of room 100
const OPS = 100;
let world: World;
let room: ConfiguredInstallation;
let other: ConfiguredInstallation;
let source: CreatedSource;
/** Every answer of the activity API and the configure page, for the secrets check. */
const answers: string[] = [];

before(async () => {
  world = await startWorld({ worker: { pollMs: 50, backoffBaseMs: 20, backoffMaxMs: 100 } });
  room = await installAndConfigure(world, OPS);
  other = await installAndConfigure(world);
  // xMatters' outbound integrations call back with the room installation's credentials.
  world.xmatters.setOutboundUrl(room.callback.url, { username: room.callback.username, password: room.callback.password });
  source = await createSource(world, room.oauthId, sourceBody({ name: 'Sumo Logic', kind: 'hipchat' }), OPS);
});
after(() => world.close());

const app = () => world.addon.addon.app;
const token = (oauthId: string, userId = ALICE) => world.hipchat.signJwt(oauthId, { userId, ...(oauthId === room.oauthId ? { roomId: OPS } : {}) });

interface Entry {
  id: number;
  source: string;
  direction: string;
  what: string;
  kind: string;
  outcome: string;
  statusCode: number | null;
  error: string | null;
  attempts: number | null;
  jobId: number | null;
  canRetry: boolean;
  subject: string | null;
}

async function activity(query: Record<string, string> = {}, auth = token(room.oauthId)): Promise<{ entries: Entry[]; more: boolean }> {
  const res = await request(app()).get('/configure/api/activity').query(query).set('Authorization', `JWT ${auth}`);
  answers.push(res.text);
  assert.equal(res.status, 200, res.text);
  return res.body;
}

function retry(jobId: number | string, auth = token(room.oauthId)) {
  return request(app()).post(`/configure/api/activity/jobs/${jobId}/retry`).set('Authorization', `JWT ${auth}`).then((res) => {
    answers.push(res.text);
    return res;
  });
}

const jobsTable = () => world.addon.addon.db('jobs').select('id', 'state', 'attempts', 'run_at', 'last_error').orderBy('id');
const activityTable = () => world.addon.addon.db('activity').select('*').orderBy('id');
/** Waits on the stored log, not the API: each API call asks HipChat who the user is, and that counts against the token's rate limit. */
const logged = (what: string, match: (row: Record<string, unknown>) => boolean) =>
  waitFor(async () => (await activityTable()).some(match), what, 15_000);
const texts = () => world.hipchat.notifications(OPS).map((n) => n.message);

async function refusedAndUnchanged(send: () => Promise<request.Response>, status: number, code: string) {
  const [jobs, rows] = [await jobsTable(), await activityTable()];
  const res = await send();
  assert.equal(res.status, status, res.text);
  assert.equal(res.body.error?.code, code, res.text);
  assert.deepEqual(await jobsTable(), jobs, 'no job changed');
  assert.deepEqual(await activityTable(), rows, 'the log did not change');
  return res;
}

/** Posts an alert through the source's intake: one room notice job. */
async function postAlert(message: string) {
  const res = await request(app()).post(source.pathWithSecret).send({ ...alertPayload('sumo-logic/hipchat-notification-monitor-critical.json'), message });
  assert.equal(res.status, 200, res.text);
}

let failed: Entry;

describe('deliveries', () => {
  test('a notice HipChat refuses is listed as failed, with the status code and the error text', async () => {
    world.hipchat.faults.failNext(1, 400);
    await postAlert('Disk full on db-3');
    await logged('the failed delivery is in the log', (r) => r.outcome === 'failed');
    failed = (await activity()).entries.find((e) => e.outcome === 'failed')!;
    assert.equal(failed.kind, 'room.notice');
    assert.equal(failed.direction, 'to HipChat');
    assert.equal(failed.statusCode, 400);
    assert.match(failed.error!, /^HipChat answered 400/);
    assert.equal(failed.attempts, 1);
    assert.equal(failed.canRetry, true);
    assert.ok(!texts().some((t) => t.includes('Disk full on db-3')), 'the notice did not arrive');
    const onlyFailed = await activity({ failed: '1' });
    assert.ok(onlyFailed.entries.length > 0 && onlyFailed.entries.every((e) => e.outcome === 'failed' || e.outcome === 'refused'));
  });

  test('a retry is refused for a non-admin, for another installation and for a job that is not failed; nothing changes', async () => {
    await refusedAndUnchanged(() => retry(failed.jobId!, token(room.oauthId, BOB)), 403, 'forbidden');
    // A page token of another installation, as its configure tab gives one.
    const otherPage = await pageToken(world, other.oauthId, { userId: ALICE }, '/configure');
    await refusedAndUnchanged(() => retry(failed.jobId!, otherPage), 404, 'no_such_job');
    await refusedAndUnchanged(() => retry(failed.jobId!, token(other.oauthId)), 404, 'no_such_job');
    await postAlert('CPU high on web-1');
    await logged('a delivered notice is in the log', (r) => r.outcome === 'delivered');
    const delivered = (await activity()).entries.find((e) => e.outcome === 'delivered' && e.jobId !== null)!;
    assert.ok(delivered, 'a delivered job is in the log');
    await refusedAndUnchanged(() => retry(delivered.jobId!), 409, 'not_failed');
    await refusedAndUnchanged(() => retry('12abc'), 404, 'no_such_job');
    await refusedAndUnchanged(() => retry(999_999), 404, 'no_such_job');
    const bobList = await request(app()).get('/configure/api/activity').set('Authorization', `JWT ${token(room.oauthId, BOB)}`);
    assert.equal(bobList.status, 403, 'only admins see the log');
    assert.ok(!(await activity({}, token(other.oauthId))).entries.some((e) => e.jobId === failed.jobId), 'another installation does not see the job');
  });

  test('an admin retries the failed delivery: the job runs again and the notice arrives', async () => {
    const page = await pageToken(world, room.oauthId, { userId: ALICE, roomId: OPS }, '/configure');
    const res = await retry(failed.jobId!, page);
    assert.equal(res.status, 200, res.text);
    assert.match(res.body.message, /queued again/);
    await waitFor(() => texts().some((t) => t.includes('Disk full on db-3')), 'the notice arrives at HipChat', 15_000);
    await logged('the log says delivered', (r) => r.id === failed.id && r.outcome === 'delivered');
    const entry = (await activity()).entries.find((e) => e.id === failed.id)!;
    assert.equal(entry.statusCode, 204);
    assert.equal(entry.error, null);
    assert.equal(entry.attempts, 1, 'attempts were reset');
    assert.equal(entry.canRetry, false);
    await refusedAndUnchanged(() => retry(failed.jobId!), 409, 'not_failed');
  });
});

describe('callbacks', () => {
  test('a callback received is listed with its kind, event, outcome and the status answered', async () => {
    const res = await request(app())
      .post('/invite/api/invites')
      .set('Authorization', `JWT ${token(room.oauthId)}`)
      .send({ recipients: [{ targetName: 'bsmith', type: 'PERSON', displayName: 'Bob Smith' }], description: 'The orders database refuses connections.', idempotencyKey: `activity-${process.pid}` });
    assert.equal(res.status, 202, res.text);
    const inviteId = res.body.inviteId as string;
    await waitFor(() => world.xmatters.events.some((e) => e.properties.invite_id === inviteId), 'xMatters has the event', 15_000);
    const event = world.xmatters.events.find((e) => e.properties.invite_id === inviteId)!;
    world.xmatters.respond(event.eventIdentifier, 'bsmith', 'Accept', 'looking now');
    await logged('the response callback is in the log', (r) => r.source === 'callback' && r.kind === 'response' && r.subject === `invite ${inviteId.slice(0, 8)} · event ${event.eventIdentifier}`);
    await logged('the trigger is in the log', (r) => r.kind === 'xmatters.trigger' && r.outcome === 'delivered');
    const entry = (await activity()).entries.find((e) => e.source === 'callback' && e.kind === 'response')!;
    assert.equal(entry.outcome, 'accepted');
    assert.equal(entry.statusCode, 200);
    assert.equal(entry.direction, 'from xMatters');
    const trigger = (await activity()).entries.find((e) => e.kind === 'xmatters.trigger')!;
    assert.equal(trigger.direction, 'to xMatters');
    assert.equal(trigger.outcome, 'delivered');
    assert.equal(trigger.statusCode, 202, 'the trigger answer of an Integration Builder inbound integration');
  });

  test('a refused callback is listed as refused, with the reason', async () => {
    const refused = await request(app())
      .post('/xmatters/callbacks')
      .auth(room.callback.username, room.callback.password)
      .send({ eventIdentifier: 990001, recipient: 'bsmith', response: 'Accept', eventProperties: [{ invite_id: '00000000-0000-4000-8000-000000000000' }] });
    assert.equal(refused.status, 404, refused.text);
    await logged('the refusal is in the log', (r) => r.source === 'callback' && Number(r.status_code) === 404);
    const entry = (await activity({ failed: '1' })).entries.find((e) => e.source === 'callback')!;
    assert.equal(entry.outcome, 'refused');
    assert.match(entry.error!, /No invite/);
    assert.ok(!(await activity({}, token(other.oauthId))).entries.some((e) => e.source === 'callback' && e.statusCode === 404), 'only the installation whose credentials were used sees it');
  });
});

describe('secrets and bounds', () => {
  test('no secret is in the JSON or the configure page', async () => {
    const url = new URL(world.hipchat.pageUrl(room.oauthId, `${world.addon.baseUrl}/configure`, { userId: ALICE, roomId: OPS }));
    const page = await request(app()).get(url.pathname + url.search);
    assert.equal(page.status, 200);
    assert.match(page.text, /id="activity-section"/);
    answers.push(page.text, JSON.stringify(await activityTable()));
    const all = answers.join('\n');
    for (const secret of [room.oauthSecret, other.oauthSecret, 'hipchat-pass', room.callback.password, source.secret, url.searchParams.get('signed_request')!]) {
      assert.ok(!all.includes(secret), `a secret (${secret.slice(0, 4)}…) is not shown`);
    }
    for (const [user, password] of [['hipchat', 'hipchat-pass'], [room.callback.username, room.callback.password]]) {
      assert.ok(!all.includes(Buffer.from(`${user}:${password}`).toString('base64')), 'no authorization header');
    }
  });

  test('bad paging input is a 400 that names it', async () => {
    const res = await request(app()).get('/configure/api/activity').query({ before: 'x' }).set('Authorization', `JWT ${token(room.oauthId)}`);
    assert.equal(res.status, 400, res.text);
    assert.match(res.body.error.message, /before must be an entry id/);
  });
});
