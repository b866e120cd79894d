import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import request from 'supertest';
import { ALERT_JOB_KINDS } from '../../lib/alerts/intake';
import { alertJobHandlers } from '../../lib/alerts/jobs';
import { findJob, listJobs } from '../../lib/store/jobs';
import { createLogger } from '../../lib/logger';
import { alertPayload, createSource, sourceBody, type CreatedSource } from '../helpers/alerts';
import { waitFor } from '../helpers/wait';
import { installAndConfigure, startWorld, type World } from '../helpers/world';

// A rule may invite an xMatters group when a matching alert arrives: through createInvite (the dialog's
// path), at most once per alert key within the invite window, and never twice for the same alert.

const OPS = 100;
let world: World;
let roomInstall: string;
let sumo: CreatedSource;

before(async () => {
  world = await startWorld({ worker: { pollMs: 50 } }, { ALERT_REPEAT_NOTICE_SECONDS: '0' });
  roomInstall = (await installAndConfigure(world, OPS)).oauthId;
  sumo = await createSource(
    world,
    roomInstall,
    sourceBody({
      name: 'Sumo Logic',
      kind: 'json',
      alertKey: '{{Id}}',
      dedupeMinutes: 10,
      inviteWindowMinutes: 60,
      template: { message: '{{TriggerType}}: {{Name}}', severity: '{{TriggerType}}' },
      rules: [
        { field: 'TriggerType', op: 'equals', value: 'Critical', invite: { group: 'Database', description: '{{Name}} is {{TriggerType}}: {{TriggerCondition}} — {{QueryURL}}' } },
        { field: 'TriggerType', op: 'matches', value: '^resolved', invite: null },
      ],
    }),
    OPS,
  );
});
after(() => world.close());

const db = () => world.addon.addon.db;
const post = (body: unknown) => request(world.addon.addon.app).post(sumo.pathWithSecret).send(body as object);
const triggers = () => world.xmatters.triggers.filter((t) => t.status === 202);
const CRITICAL = alertPayload('sumo-logic/generic-json-monitor-critical.json');

/** Every job has run: what the alerts caused is all there is (an invite's nudge is due minutes later, and the read-backs of responses stay scheduled while an event is active: neither is waited for). */
const settled = () => waitFor(async () => (await db()('jobs').whereIn('state', ['pending', 'running']).whereNotIn('kind', ['invite.nudge', 'xmatters.reconcile'])).length === 0, 'every job has run', 20_000);
const roomTexts = () => world.hipchat.notifications(OPS).map((n) => n.message);

test('a matching alert invites the group once, with the templated description, and the room is told', async () => {
  const res = await post(CRITICAL);
  assert.equal(res.status, 200, res.text);
  const alertId = res.body.alerts[0].id as string;
  await waitFor(() => triggers().length === 1, 'xMatters got the trigger', 20_000);
  const body = triggers()[0]!.body as { properties: Record<string, string>; recipients: Array<{ targetName: string }> };
  assert.deepEqual(body.recipients, [{ id: 'Database', recipientType: 'GROUP' }]);
  assert.equal(body.properties.description, 'Checkout errors is Critical: Greater than or equal to 1.0 in the last 15 minutes — https://service.sumologic.com/ui/#/search/00000000000468D5');
  assert.equal(body.properties.inviter_name, 'Sumo Logic');
  assert.equal(body.properties.room_id, String(OPS));
  assert.equal(body.properties.room_name, 'Ops War Room');
  await waitFor(() => roomTexts().some((t) => t.startsWith('Sumo Logic invited Database (group) through xMatters: "Checkout errors is Critical')), 'the room is told of the invite', 20_000);
  assert.ok(roomTexts().includes('Critical: Checkout errors'), 'and shows the alert');
  const invite = await db()('invites').where({ idempotency_key: `alert-${alertId}` }).first();
  assert.ok(invite, 'the invite carries the alert as its idempotency key');
  assert.equal((await db()('alerts').where({ id: alertId }).first()).invite_id, invite.id);

  // Repeats of the alert do not invite again.
  for (let i = 0; i < 3; i++) assert.equal((await post(CRITICAL)).status, 200);
  await waitFor(() => roomTexts().some((t) => t.startsWith('Critical: Checkout errors (×')), 'the repeats are posted', 20_000);
  await settled();
  assert.equal(triggers().length, 1);
});

test('the same key after the dedupe window, within the invite window: a new alert and no invite; after the invite window, one more', async () => {
  await settled();
  const before = triggers().length;
  await db()('alert_windows').update({ open_until: Date.now() - 1 });
  const again = await post(CRITICAL);
  assert.equal(again.body.alerts[0].occurrences, 1, 'a new alert');
  await waitFor(() => world.hipchat.notifications(OPS).filter((n) => n.message === 'Critical: Checkout errors').length === 2, 'the new alert is posted', 20_000);
  await settled();
  assert.equal(triggers().length, before, 'no second invite within the invite window');
  assert.equal((await listJobs(db(), { kind: ALERT_JOB_KINDS.invite })).length, 1);

  await db()('alert_windows').update({ open_until: Date.now() - 1 });
  await db()('alert_invite_windows').update({ open_until: Date.now() - 1 });
  assert.equal((await post(CRITICAL)).status, 200);
  await waitFor(() => triggers().length === before + 1, 'the next invite goes out once the window ran out', 20_000);
  await settled();
  assert.equal(triggers().length, before + 1);
});

test('alerts that match no inviting rule invite no one', async () => {
  await settled();
  const before = triggers().length;
  assert.equal((await post(alertPayload('sumo-logic/generic-json-monitor-resolved.json'))).status, 200);
  assert.equal((await post({ ...CRITICAL, Id: 'other-monitor', TriggerType: 'Warning' })).status, 200);
  await waitFor(() => roomTexts().includes('Warning: Checkout errors'), 'both are posted', 20_000);
  await settled();
  assert.equal(triggers().length, before);
});

test('the same alert arriving many times at once, and its invite job run twice, still invite once', async () => {
  await settled();
  const before = triggers().length;
  const burst = { ...CRITICAL, Id: 'burst-monitor', Name: 'Payments down' };
  const answers = await Promise.all(Array.from({ length: 15 }, () => post(burst)));
  assert.ok(answers.every((res) => res.status === 200));
  await waitFor(() => triggers().length === before + 1, 'one trigger', 20_000);
  await settled();
  assert.equal(triggers().length, before + 1);

  // A duplicate delivery of the invite job (a worker that died after inviting) changes nothing.
  const [job] = (await listJobs(db(), { kind: ALERT_JOB_KINDS.invite })).slice(-1);
  const invites = Number((await db()('invites').count({ n: '*' }).first())!.n);
  await alertJobHandlers(world.addon.addon.inviteDeps)[ALERT_JOB_KINDS.invite]!.run((await findJob(db(), job!.id))!, createLogger('silent'));
  await settled();
  assert.equal(Number((await db()('invites').count({ n: '*' }).first())!.n), invites);
  assert.equal(triggers().length, before + 1);
});

test('a test event that matches an inviting rule invites no one and says whom a real alert would invite', async () => {
  await settled();
  const before = triggers().length;
  const windows = Number((await db()('alert_invite_windows').count({ n: '*' }).first())!.n);
  const token = world.hipchat.signJwt(roomInstall, { userId: 1, roomId: OPS });
  const res = await request(world.addon.addon.app)
    .post(`/configure/api/alert-sources/${sumo.id}/test`)
    .set('Authorization', `JWT ${token}`)
    .send({ payload: JSON.stringify({ ...CRITICAL, Id: 'test-monitor' }) });
  assert.equal(res.status, 200, res.text);
  assert.match(res.body.message, /A real alert would also invite Database through xMatters; the test invites no one\./);
  await waitFor(() => roomTexts().includes('Test event: Critical: Checkout errors'), 'the test event is posted', 20_000);
  await settled();
  assert.equal(triggers().length, before);
  assert.equal(Number((await db()('alert_invite_windows').count({ n: '*' }).first())!.n), windows, 'no invite window is opened');
});
