import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { MAX_SOURCES } from '../../routes/alert-sources';
import { alertPayload, alertRows, createSource, sourceBody } from '../helpers/alerts';
import { waitFor } from '../helpers/wait';
import { installAndConfigure, startWorld, type World } from '../helpers/world';

// The configure tab's alert-source endpoints: who may change sources, what is stored and shown (never
// the secret again), template and rule errors named by field before anything is saved, the preview
// and the test event.

const ALICE = 1; // group admin
const BOB = 2; // neither admin nor owner of room 100
const OPS = 100;
let world: World;
let roomInstall: string;
let globalInstall: string;
/** Every answer of the configure API, to check that a secret is shown only where it is made. */
const answers: string[] = [];

before(async () => {
  world = await startWorld({ worker: { pollMs: 50 } });
  roomInstall = (await installAndConfigure(world, OPS)).oauthId;
  globalInstall = (await installAndConfigure(world)).oauthId;
});
after(() => world.close());

const API = '/configure/api/alert-sources';
function call(method: 'get' | 'post' | 'put' | 'delete', path: string, opts: { oauthId?: string; userId?: number; body?: unknown } = {}) {
  const oauthId = opts.oauthId ?? roomInstall;
  const token = world.hipchat.signJwt(oauthId, { userId: opts.userId ?? ALICE, ...(oauthId === roomInstall ? { roomId: OPS } : {}) });
  const req = request(world.addon.addon.app)[method](`${API}${path}`).set('Authorization', `JWT ${token}`);
  const sent = opts.body === undefined ? req : req.send(opts.body as object);
  return sent.then((res) => {
    answers.push(res.text);
    return res;
  });
}

async function refusedAndUnchanged(send: () => Promise<request.Response>, status: number, code: string, field?: string, message?: RegExp) {
  const rows = await alertRows(world);
  const sources = Number((await world.addon.addon.db('alert_sources').count({ n: '*' }).first())!.n);
  const stored = await world.addon.addon.db('alert_sources').select('settings', 'name', 'secret_sealed').orderBy('id');
  const res = await send();
  assert.equal(res.status, status, res.text);
  assert.equal(res.body.error?.code, code, res.text);
  if (field !== undefined) assert.equal(res.body.error.field, field, res.text);
  if (message) assert.match(res.body.error.message, message);
  assert.deepEqual(await alertRows(world), rows);
  assert.equal(Number((await world.addon.addon.db('alert_sources').count({ n: '*' }).first())!.n), sources);
  assert.deepEqual(await world.addon.addon.db('alert_sources').select('settings', 'name', 'secret_sealed').orderBy('id'), stored, 'no source changed');
  return res;
}

describe('creating, listing, changing and deleting', () => {
  test('an admin creates a source: the secret is shown once, in each form a tool sends it, and works', async () => {
    const res = await call('post', '', { body: sourceBody({ name: 'Sumo Logic', kind: 'hipchat' }) });
    assert.equal(res.status, 201, res.text);
    const { source, secret } = res.body;
    assert.equal(source.intakeUrl, `${world.addon.baseUrl}/alerts/${source.id}`);
    assert.deepEqual(source.rooms, [{ id: OPS, name: 'Ops War Room' }], 'a room installation posts to its room');
    assert.equal(source.updatedByName, 'Alice Admin');
    assert.match(secret.secret, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(secret.urlWithSecret, `${source.intakeUrl}/${secret.secret}`);
    assert.equal(secret.bearerHeader, `Bearer ${secret.secret}`);
    assert.equal(Buffer.from(secret.basicHeader.replace('Basic ', ''), 'base64').toString(), `alerts:${secret.secret}`);
    const stored = await world.addon.addon.db('alert_sources').where({ id: source.id }).first();
    assert.ok(!JSON.stringify(stored).includes(secret.secret), 'the secret is sealed at rest');
    for (const [header, path] of [[undefined, secret.urlWithSecret], [secret.bearerHeader, source.intakeUrl], [secret.basicHeader, source.intakeUrl]] as const) {
      const req = request(world.addon.addon.app).post(new URL(path).pathname);
      const posted = await (header ? req.set('Authorization', header) : req).send({ message: `via ${header ? header.split(' ')[0] : 'URL'}`, message_format: 'text' });
      assert.equal(posted.status, 200, posted.text);
    }
    await waitFor(() => ['via URL', 'via Bearer', 'via Basic'].every((t) => world.hipchat.notifications(OPS).some((n) => n.message === t)), 'all three reach the room');

    const list = await call('get', '');
    assert.equal(list.status, 200);
    assert.equal(list.body.global, false);
    const listed = list.body.sources.find((s: { id: string }) => s.id === source.id);
    assert.equal(listed.name, 'Sumo Logic');
    assert.ok(!list.text.includes(secret.secret), 'the list never shows the secret');
    assert.ok(list.body.samples.some((s: { kind: string; name: string }) => s.kind === 'soda' && s.name === 'incident-created'));
    const readOnly = await call('get', '', { userId: BOB });
    assert.equal(readOnly.status, 200, 'anyone who may open the tab sees the sources');
    assert.ok(!readOnly.text.includes(secret.secret));
  });

  test('changing a source takes effect at once for the intake; the kind stays', async () => {
    const created = await createSource(world, roomInstall, sourceBody({ name: 'Splunk', kind: 'json', dedupeMinutes: 0, template: { message: 'old {{entity_id}}' } }), OPS);
    const post = () => request(world.addon.addon.app).post(created.pathWithSecret).send(alertPayload('splunk-on-call/outgoing-webhook-alert-critical.json'));
    assert.equal((await post()).status, 200);
    await waitFor(() => world.hipchat.notifications(OPS).some((n) => n.message === 'old disk space/db01.mycompany.com'), 'the old template');
    const changed = await call('put', `/${created.id}`, { body: { ...sourceBody({ name: 'Splunk On-Call', dedupeMinutes: 0, template: { message: 'new {{entity_display_name}}' } }), kind: undefined } });
    assert.equal(changed.status, 200, changed.text);
    assert.equal(changed.body.source.name, 'Splunk On-Call');
    assert.equal(changed.body.source.kind, 'json');
    assert.equal((await post()).status, 200);
    await waitFor(() => world.hipchat.notifications(OPS).some((n) => n.message === 'new Critically Low Disk Space on DB01'), 'the new template');
    await refusedAndUnchanged(() => call('put', `/${created.id}`, { body: { ...sourceBody(), kind: 'soda' } }), 400, 'invalid_source', undefined, /Unrecognized key.*kind/);
  });

  test('a new secret: the old one stops working at once, the new one works', async () => {
    const created = await createSource(world, roomInstall, sourceBody({ name: 'Soda', kind: 'soda', dedupeMinutes: 0 }), OPS);
    await refusedAndUnchanged(() => call('post', `/${created.id}/secret`, { body: {} }), 400, 'invalid_source', 'confirm', /Send \{"confirm": true\}/);
    const res = await call('post', `/${created.id}/secret`, { body: { confirm: true } });
    assert.equal(res.status, 200, res.text);
    assert.match(res.body.message, /The old one no longer works/);
    const fresh = res.body.secret.secret as string;
    assert.notEqual(fresh, created.secret);
    const validate = alertPayload('soda-cloud/validate.json');
    assert.equal((await request(world.addon.addon.app).post(created.pathWithSecret).send(validate)).status, 401);
    assert.equal((await request(world.addon.addon.app).post(created.path).set('Authorization', `Bearer ${fresh}`).send(validate)).status, 200);
  });

  test('deleting a source closes its intake URL at once', async () => {
    const created = await createSource(world, roomInstall, sourceBody({ name: 'Temporary', kind: 'hipchat' }), OPS);
    assert.equal((await request(world.addon.addon.app).post(created.pathWithSecret).send({ message: 'one' })).status, 200);
    const res = await call('delete', `/${created.id}`);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.message, 'Alert source Temporary deleted. Its intake URL no longer takes alerts.');
    assert.equal((await request(world.addon.addon.app).post(created.pathWithSecret).send({ message: 'two' })).status, 404);
    assert.equal((await world.addon.addon.db('alerts').where({ source_id: created.id })).length, 0);
    await refusedAndUnchanged(() => call('delete', `/${created.id}`), 404, 'unknown_source');
  });

  test(`an installation has at most ${MAX_SOURCES} sources`, async () => {
    const existing = (await call('get', '', { oauthId: globalInstall })).body.sources.length as number;
    for (let i = existing; i < MAX_SOURCES; i++) assert.equal((await call('post', '', { oauthId: globalInstall, body: sourceBody({ name: `s${i}`, rooms: ['Random'] }) })).status, 201);
    await refusedAndUnchanged(() => call('post', '', { oauthId: globalInstall, body: sourceBody({ name: 'one too many', rooms: ['Random'] }) }), 409, 'too_many_sources', undefined, /at most 50 alert sources; delete one first/);
    for (const source of (await call('get', '', { oauthId: globalInstall })).body.sources) assert.equal((await call('delete', `/${source.id}`, { oauthId: globalInstall })).status, 200);
  });
});

test('an inviting rule saved before xMatters is set up is warned about; its alerts tell the room the invite failed', async () => {
  const bare = await world.hipchat.install(world.addon.descriptorUrl, { roomId: 102 });
  assert.equal(bare.status, 204, bare.body);
  const oauthId = bare.installation!.oauthId;
  const token = world.hipchat.signJwt(oauthId, { userId: ALICE, roomId: 102 });
  const res = await request(world.addon.addon.app)
    .post(API)
    .set('Authorization', `JWT ${token}`)
    .send(sourceBody({ name: 'Early', kind: 'hipchat', rules: [{ field: 'color', op: 'equals', value: 'red', invite: { group: 'Database', description: '' } }] }));
  assert.equal(res.status, 201, res.text);
  assert.equal(res.body.message, 'Alert source created. xMatters is not set up yet: until it is, its rules’ invites fail (and the room is told so).');
  const posted = await request(world.addon.addon.app).post(`/alerts/${res.body.source.id}/${res.body.secret.secret}`).send({ message: 'Disk full', color: 'red' });
  assert.equal(posted.status, 200, posted.text);
  await waitFor(() => world.hipchat.notifications(102).some((n) => /^Could not send Early's xMatters invite .*This installation has no xMatters settings\./.test(n.message)), 'the room is told the invite failed', 20_000);
  assert.ok(world.hipchat.notifications(102).some((n) => n.message === 'Disk full'), 'the alert itself is posted');
});

describe('who may change sources', () => {
  test('a user who is neither a group admin nor the room owner changes nothing', async () => {
    const created = await createSource(world, roomInstall, sourceBody({ name: 'Guarded', kind: 'hipchat' }), OPS);
    const rule = /Only a HipChat group admin or the room owner can change these settings/;
    await refusedAndUnchanged(() => call('post', '', { userId: BOB, body: sourceBody({ name: 'Bob’s' }) }), 403, 'forbidden', undefined, rule);
    await refusedAndUnchanged(() => call('put', `/${created.id}`, { userId: BOB, body: { ...sourceBody({ name: 'renamed' }), kind: undefined } }), 403, 'forbidden', undefined, rule);
    await refusedAndUnchanged(() => call('delete', `/${created.id}`, { userId: BOB }), 403, 'forbidden', undefined, rule);
    await refusedAndUnchanged(() => call('post', `/${created.id}/secret`, { userId: BOB, body: { confirm: true } }), 403, 'forbidden', undefined, rule);
    await refusedAndUnchanged(() => call('post', `/${created.id}/test`, { userId: BOB, body: { payload: '{"message":"x"}' } }), 403, 'forbidden', undefined, rule);
    await refusedAndUnchanged(() => call('post', '/preview', { userId: BOB, body: { source: sourceBody(), payload: '{"message":"x"}' } }), 403, 'forbidden', undefined, rule);
  });

  test("another installation's sources are not there for it", async () => {
    const created = await createSource(world, roomInstall, sourceBody({ name: 'Room only', kind: 'hipchat' }), OPS);
    await refusedAndUnchanged(() => call('put', `/${created.id}`, { oauthId: globalInstall, body: { ...sourceBody({ name: 'hijacked', rooms: ['Random'] }), kind: undefined } }), 404, 'unknown_source');
    await refusedAndUnchanged(() => call('delete', `/${created.id}`, { oauthId: globalInstall }), 404, 'unknown_source');
    await refusedAndUnchanged(() => call('post', `/${created.id}/secret`, { oauthId: globalInstall, body: { confirm: true } }), 404, 'unknown_source');
    await refusedAndUnchanged(() => call('post', `/${created.id}/test`, { oauthId: globalInstall, body: { payload: '{"message":"x"}' } }), 404, 'unknown_source');
    const list = await call('get', '', { oauthId: globalInstall });
    assert.ok(!list.body.sources.some((s: { id: string }) => s.id === created.id));
    await refusedAndUnchanged(() => call('put', '/../../configure', { body: sourceBody() }), 404, 'not_found');
  });

  test('the requests need the page token of an installation', async () => {
    const res = await request(world.addon.addon.app).post(API).send(sourceBody());
    assert.equal(res.status, 401);
    assert.equal(res.body.error.code, 'invalid_jwt');
  });
});

describe('errors are named by field before anything is saved', () => {
  const invalid = (body: unknown, field: string, message: RegExp, opts: { oauthId?: string; code?: string } = {}) =>
    refusedAndUnchanged(() => call('post', '', { oauthId: opts.oauthId ?? roomInstall, body }), 400, opts.code ?? 'invalid_source', field, message);

  test('template errors', async () => {
    await invalid(sourceBody({ kind: 'json', template: { message: 'Alert {{Name' } }), 'template.message', /^The template has "\{\{" at character 7 without a closing "\}\}"\.$/);
    await invalid(sourceBody({ kind: 'json', template: { message: '{{Name}}', severity: '{{Trigger Type}}' } }), 'template.severity', /is not a field name: it has a space or brace/);
    await invalid(sourceBody({ kind: 'json', template: { message: '{{Name}}', card: { title: '{{Name}}', link: '{{QueryURL', fields: [] } } }), 'template.card.link', /without a closing/);
    await invalid(sourceBody({ kind: 'json', template: { message: '{{Name}}', card: { fields: [{ label: 'Trigger', value: '}}' }] } } }), 'template.card.fields.0.value', /without a "\{\{" before it/);
    await invalid(sourceBody({ kind: 'json' }), 'template.message', /Write the message template: a generic JSON source has no built-in message/);
    await invalid(sourceBody({ alertKey: '{{Id' }), 'alertKey', /without a closing/);
  });

  test('rule errors', async () => {
    const rule = (r: Record<string, unknown>) => ({ field: 'severity', op: 'equals', value: 'critical', room: '', invite: null, ...r });
    await invalid(sourceBody({ rules: [rule({}), rule({ op: 'matches', value: '(a)\\1' })] }), 'rules.1.value', /^Rule 2: the pattern is not a regular expression RE2 reads/);
    await invalid(sourceBody({ rules: [rule({ op: 'matches', value: 'a'.repeat(201) })] }), 'rules.0.value', /longer than 200 characters/);
    await invalid(sourceBody({ rules: [rule({ field: 'a..b' })] }), 'rules.0.field', /Rule 1: the field has an empty name/);
    await invalid(sourceBody({ rules: [rule({ room: 'Random' })] }), 'rules.0.room', /Rule 1: the room "Random" is not one of the source's rooms/);
    await invalid(sourceBody({ rules: [rule({ invite: { group: '', description: '' } })] }), 'rules.0.invite.group', /name the xMatters group/);
    await invalid(sourceBody({ rules: [rule({ op: 'like' })] }), 'rules.0.op', /op must be equals, contains or matches/);
  });

  test('rooms, names and shapes', async () => {
    await invalid(sourceBody({ rooms: ['Ops War Room', 'No Such Room'] }), 'rooms.1', /^HipChat has no room "No Such Room" in this group\.$/, { oauthId: globalInstall, code: 'unknown_room' });
    await invalid(sourceBody({ rooms: [] }), 'rooms', /at least one room/, { oauthId: globalInstall });
    await invalid(sourceBody({ name: '  ' }), 'name', /Name the source/);
    await invalid(sourceBody({ kind: 'pagerduty' }), 'kind', /kind must be hipchat, soda or json/);
    await invalid(sourceBody({ dedupeMinutes: 1441 }), 'dedupeMinutes', /at most 1440/);
    await invalid(sourceBody({ name: 'bad\u0000name' }), 'name', /broken or control character/);
    await refusedAndUnchanged(() => call('post', '', { body: { ...sourceBody(), secret: 'mine' } }), 400, 'invalid_source', undefined, /Unrecognized key: "secret"/);
  });
});

describe('preview and test events', () => {
  test('the preview says which room and what message for a draft, as the intake would', async () => {
    const source = sourceBody({
      name: 'Splunk On-Call',
      kind: 'json',
      rooms: ['Ops War Room', 'Incident 42'],
      alertKey: '{{entity_id}}',
      template: { message: '{{message_type}}: {{entity_display_name}}', severity: '{{message_type}}' },
      rules: [{ field: 'message_type', op: 'equals', value: 'critical', room: 'Incident 42', invite: { group: 'Database', description: '{{state_message}}' } }],
    });
    const rows = await alertRows(world);
    const res = await call('post', '/preview', { oauthId: globalInstall, body: { source, payload: JSON.stringify(alertPayload('splunk-on-call/outgoing-webhook-alert-critical.json')) } });
    assert.equal(res.status, 200, res.text);
    const [alert] = res.body.alerts;
    assert.deepEqual(alert.room, { name: 'Incident 42' });
    assert.equal(alert.rule, 0);
    assert.equal(alert.notice.text, 'CRITICAL: Critically Low Disk Space on DB01');
    assert.equal(alert.notice.color, 'red');
    assert.equal(alert.key, 'disk space/db01.mycompany.com');
    assert.deepEqual(alert.invite, { group: 'Database', description: 'The disk is really really full. Here is abunch of information about the problem' });
    const recovery = await call('post', '/preview', { oauthId: globalInstall, body: { source, payload: JSON.stringify(alertPayload('splunk-on-call/outgoing-webhook-alert-recovery.json')) } });
    assert.deepEqual([recovery.body.alerts[0].room, recovery.body.alerts[0].rule, recovery.body.alerts[0].invite], [{ name: 'Ops War Room' }, -1, null]);
    assert.deepEqual(await alertRows(world), rows, 'a preview stores nothing');
  });

  test('what is wrong with a draft or a pasted payload is said next to it', async () => {
    const bad = async (source: unknown, payload: string, code: string, field: string, message: RegExp) => {
      const res = await call('post', '/preview', { body: { source, payload } });
      assert.equal(res.status, 400, res.text);
      assert.deepEqual([res.body.error.code, res.body.error.field], [code, field]);
      assert.match(res.body.error.message, message);
    };
    await bad(sourceBody({ kind: 'json', template: { message: '{{Name' } }), '{}', 'invalid_source', 'source.template.message', /without a closing/);
    await bad(sourceBody({ kind: 'json', template: { message: '{{Name}}' } }), '{"Name": "x",}', 'invalid_json', 'payload', /^The body is not valid JSON/);
    await bad(sourceBody({ kind: 'soda' }), '{"message": "x"}', 'invalid_soda_event', 'payload', /no "event" field/);
    await bad(sourceBody({ kind: 'hipchat' }), '', 'invalid_source', 'payload', /Paste a payload/);
    await bad(sourceBody({ kind: 'hipchat', rules: [{ field: 'x', op: 'matches', value: '(' }] }), '{"message":"x"}', 'invalid_source', 'source.rules.0.value', /RE2/);
  });

  test('a test event goes the whole way into the room, marked as a test', async () => {
    const created = await createSource(world, roomInstall, sourceBody({ name: 'Soda Cloud', kind: 'soda' }), OPS);
    const res = await call('post', `/${created.id}/test`, { body: { payload: JSON.stringify(alertPayload('soda-cloud/check-evaluation-fail.json')) } });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.message, 'Test event sent to Ops War Room.');
    assert.deepEqual(res.body.alerts[0].room, { id: OPS, name: 'Ops War Room' });
    const text = 'Test event: Soda check failed: count same as SODATEST_RAWCUSTOMERS_7275c02c in postgres2 on bnm_orders (sodaspark) — value 0 https://cloud.soda.io/checks/39d706c3-5a48-b';
    await waitFor(() => world.hipchat.notifications(OPS).some((n) => n.message === text), 'the test event is in the room');
    const stored = await world.addon.addon.db('alerts').where({ id: res.body.alerts[0].id }).first();
    assert.ok(stored.test === true || stored.test === 1, 'stored as a test');
  });
});

test('the configure page has the alert section; no answer but the one that made it shows a secret', async () => {
  const url = new URL(world.hipchat.pageUrl(roomInstall, `${world.addon.baseUrl}/configure`, { userId: ALICE, roomId: OPS }));
  const page = await request(world.addon.addon.app).get(url.pathname + url.search);
  assert.equal(page.status, 200);
  assert.match(page.text, /<h2 id="alerts-heading">Alert sources<\/h2>/);
  assert.match(page.text, /<script src="\/public\/js\/configure-alerts.js" defer><\/script>/);
  const secrets = answers.flatMap((text) => [...text.matchAll(/"secret":"([A-Za-z0-9_-]{43})"/g)].map((m) => m[1]!));
  assert.ok(secrets.length >= 3);
  for (const secret of secrets) {
    assert.equal(answers.filter((text) => text.includes(secret)).length, 1, 'a secret appears in one answer only');
    assert.ok(!page.text.includes(secret));
    assert.ok(!world.addon.logs.some((line) => line.includes(secret)), 'a secret is in the log');
  }
});
