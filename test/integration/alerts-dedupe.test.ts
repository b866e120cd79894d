import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import request from 'supertest';
import { alertPayload, alertRows, createSource, sourceBody, type CreatedSource } from '../helpers/alerts';
import { installAndConfigure, startWorld, type World } from '../helpers/world';

// Repeats of an alert key within the dedupe window fold into the first alert: its counter goes up and
// the room is told "(×N)" once per repeat interval, not once per repeat. The worker is driven by hand
// here, so what is delivered when does not depend on timing.

const OPS = 100;
let world: World;
let roomInstall: string;
let byEntity: CreatedSource;

before(async () => {
  world = await startWorld({ startWorker: false }, { ALERT_REPEAT_NOTICE_SECONDS: '0' });
  roomInstall = (await installAndConfigure(world, OPS)).oauthId;
  byEntity = await createSource(
    world,
    roomInstall,
    sourceBody({ name: 'Splunk On-Call', kind: 'json', alertKey: '{{entity_id}} {{message_type}}', dedupeMinutes: 10, template: { message: '{{message_type}}: {{entity_display_name}}', severity: '{{message_type}}' } }),
    OPS,
  );
});
after(() => world.close());

const db = () => world.addon.addon.db;
const post = (source: CreatedSource, body: unknown) => request(world.addon.addon.app).post(source.pathWithSecret).send(body as object);
const roomTexts = () => world.hipchat.notifications(OPS).map((n) => n.message);

/** Runs the worker until no job is due (bounded). */
async function deliver(): Promise<void> {
  for (let round = 0; round < 50; round++) if ((await world.addon.addon.worker.runOnce()) === 0) return;
  throw new Error('the queue did not drain in 50 rounds');
}

test('repeats fold into the first alert: one notice, then one "(×11)" for ten repeats, quietly', async () => {
  const critical = alertPayload('splunk-on-call/outgoing-webhook-alert-critical.json');
  const first = await post(byEntity, critical);
  assert.equal(first.status, 200, first.text);
  const alertId = first.body.alerts[0].id as string;
  await deliver();
  assert.deepEqual(roomTexts().filter((t) => t.includes('Critically Low Disk Space')), ['CRITICAL: Critically Low Disk Space on DB01']);

  const repeats = await Promise.all(Array.from({ length: 10 }, () => post(byEntity, critical)));
  for (const res of repeats) {
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.alerts[0].id, alertId, 'every repeat is answered with the first alert');
  }
  assert.deepEqual(repeats.map((r) => r.body.alerts[0].occurrences).sort((a, b) => a - b), [2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  const stored = await db()('alerts').where({ id: alertId }).first();
  assert.equal(Number(stored.occurrences), 11);
  assert.equal(Number((await db()('alerts').count({ n: '*' }).first())!.n), 1, 'one alert row');
  const waiting = await db()('jobs').where({ kind: 'alert.repeat', state: 'pending' });
  assert.equal(waiting.length, 1, 'the ten repeats share one repeat job');

  await deliver();
  const texts = roomTexts().filter((t) => t.includes('Critically Low Disk Space'));
  assert.deepEqual(texts, ['CRITICAL: Critically Low Disk Space on DB01', 'CRITICAL: Critically Low Disk Space on DB01 (×11)']);
  const repeatNotice = world.hipchat.notifications(OPS).find((n) => n.message.endsWith('(×11)'))!;
  assert.equal(repeatNotice.notify, false, 'a repeat does not alert the room again');
  assert.equal((repeatNotice.card as { id: string } | undefined)?.id, undefined, 'no card: the template has none');
  assert.equal(Number((await db()('alerts').where({ id: alertId }).first()).posted_occurrences), 11);

  // A recovery of the same entity has another key: a new alert, posted at once.
  assert.equal((await post(byEntity, alertPayload('splunk-on-call/outgoing-webhook-alert-recovery.json'))).status, 200);
  await deliver();
  assert.equal(roomTexts().filter((t) => t === 'RECOVERY: Critically Low Disk Space on DB01').length, 1);
});

test('the next "(×N)" waits until the repeat interval after the last notice has passed', async () => {
  const slow = await startWorld({ startWorker: false }, { ALERT_REPEAT_NOTICE_SECONDS: '3600' });
  try {
    const oauthId = (await installAndConfigure(slow, OPS)).oauthId;
    const source = await createSource(slow, oauthId, sourceBody({ name: 'CI', kind: 'hipchat' }), OPS);
    const send = () => request(slow.addon.addon.app).post(source.pathWithSecret).send({ message: 'Nightly build failed', color: 'red' });
    assert.equal((await send()).status, 200);
    const alert = await slow.addon.addon.db('alerts').first();
    assert.equal((await send()).status, 200);
    const job = await slow.addon.addon.db('jobs').where({ kind: 'alert.repeat' }).first();
    assert.equal(job.state, 'pending');
    // Due an interval after the last notice, by the database's clock (a few milliseconds from this one).
    assert.ok(Math.abs(Number(job.run_at) - (Number(alert.last_posted_at) + 3_600_000)) < 1000, `due at ${job.run_at}`);
    assert.equal(await slow.addon.addon.worker.runOnce(), 1, 'only the first notice is due');
    assert.deepEqual(slow.hipchat.notifications(OPS).map((n) => n.message), ['Nightly build failed']);
  } finally {
    await slow.close();
  }
});

test('after the window a repeat is a new alert; with dedupe off every alert is new; test events never fold', async () => {
  const once = { message_type: 'WARNING', entity_id: 'queue/orders', entity_display_name: 'Order queue backing up' };
  const a = await post(byEntity, once);
  // The window runs out (ten minutes later).
  await db()('alert_windows').where({ alert_id: a.body.alerts[0].id }).update({ open_until: Date.now() - 1 });
  const b = await post(byEntity, once);
  assert.notEqual(b.body.alerts[0].id, a.body.alerts[0].id);
  assert.equal(b.body.alerts[0].occurrences, 1);

  const off = await createSource(world, roomInstall, sourceBody({ name: 'No dedupe', kind: 'hipchat', dedupeMinutes: 0 }), OPS);
  const ids = new Set<string>();
  for (let i = 0; i < 3; i++) ids.add((await post(off, { message: 'Same text' })).body.alerts[0].id);
  assert.equal(ids.size, 3);

  const token = world.hipchat.signJwt(roomInstall, { userId: 1, roomId: OPS });
  const tests = new Set<string>();
  for (let i = 0; i < 2; i++) {
    const res = await request(world.addon.addon.app).post(`/configure/api/alert-sources/${byEntity.id}/test`).set('Authorization', `JWT ${token}`).send({ payload: JSON.stringify(once) });
    assert.equal(res.status, 200, res.text);
    tests.add(res.body.alerts[0].id);
  }
  assert.equal(tests.size, 2, 'each test event is posted');
  await deliver();
  assert.equal(roomTexts().filter((t) => t === 'Test event: WARNING: Order queue backing up').length, 2);
});

test('the same alert arriving many times at once is one alert with every occurrence counted', async () => {
  const source = await createSource(world, roomInstall, sourceBody({ name: 'Burst', kind: 'hipchat' }), OPS);
  const before = await alertRows(world);
  const answers = await Promise.all(Array.from({ length: 25 }, () => post(source, { message: 'Disk full on db02', color: 'red' })));
  assert.ok(answers.every((res) => res.status === 200));
  assert.equal(new Set(answers.map((res) => res.body.alerts[0].id)).size, 1);
  const after = await alertRows(world);
  assert.equal(after.alerts - before.alerts, 1);
  assert.equal(after.windows - before.windows, 1);
  const alert = await db()('alerts').where({ source_id: source.id }).first();
  assert.equal(Number(alert.occurrences), 25);
  await deliver();
  assert.deepEqual(roomTexts().filter((t) => t.startsWith('Disk full on db02')), ['Disk full on db02', 'Disk full on db02 (×25)']);
});
