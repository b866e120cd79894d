import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildCommunicationPlan } from '../../lib/xmatters/plan';
import { type XMattersSim, startXMattersSim } from '../../sim/xmatters/server';
import { waitFor } from '../helpers/wait';
import { AUTH, basic, fixture, startReceiver, zipOf } from './xmatters-sim-support';

// Import Plan: a plan zip in xMatters' export layout becomes a plan with its forms, integrations
// and endpoints; the admin then sets what an export does not carry (passwords, permissions, the
// authentication method); and the plan the add-on offers works end to end.

let sim: XMattersSim;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
before(async () => {
  sim = await startXMattersSim({ people: 50, groups: 5, triggerDelayMs: 5 });
  receiver = await startReceiver();
});
after(async () => {
  await sim.close();
  await receiver.close();
});

const exportFiles = () => structuredClone(fixture<Record<string, any>>('plan-export.json', 'files'));
const post = (path: string, body: unknown, headers: Record<string, string> = { 'Content-Type': 'application/json' }) =>
  fetch(`${sim.baseUrl}${path}`, { method: 'POST', headers, body: body as BodyInit, redirect: 'manual' });

describe('importing an exported plan', () => {
  it('creates the form, the integrations and the endpoints as exported', () => {
    const { plan, warnings, inbound } = sim.importPlan(zipOf(exportFiles()));
    assert.equal(plan.name, 'Chat Engage');
    const [form] = plan.forms;
    assert.equal(form?.name, 'Engage Chat');
    assert.deepEqual(form?.properties.map((p) => [p.name, p.kind, p.maxLength, p.includeInCallbacks, p.required]), [
      ['ticket', 'TEXT', 20, true, true],
      ['subject', 'TEXT', 120, false, false],
      ['chat_link', 'TEXT', 300, false, false],
      ['severity', 'OTHER', null, true, false],
    ]);
    assert.deepEqual(form?.responses.map((r) => [r.text, r.action, r.contribution]), [
      ['Acknowledge', 'STOP_NOTIFYING_USER', 'POSITIVE'],
      ['Ignore', 'STOP_NOTIFYING_USER', 'NEGATIVE'],
      ['Resolve', 'END', 'NEUTRAL'],
    ]);
    assert.notEqual(form?.id, '44379c1c-0000-4784-8292-f86d4783932b', 'imported objects get new ids');
    assert.deepEqual(plan.inbound.map((i) => [i.name, i.authType, i.authenticatingUser]), [['Engage from chat', 'URL', 'admin']]);
    assert.match(inbound[0]?.url ?? '', new RegExp(`/api/integration/1/functions/${plan.inbound[0]?.id}/triggers\\?apiKey=.+`));
    assert.deepEqual(plan.outbound.map((o) => [o.name, o.triggeredBy, o.action, o.endpointName, o.responseChoice]), [
      ['Engage - Responses', 'RESPONSE', 'SEND_WEBHOOK', 'Chat', null],
      ['Engage - Resolve only', 'RESPONSE', 'SEND_WEBHOOK', 'Ticketing', 'Resolve'],
      ['Engage - Status', 'STATUS', 'RUN_SCRIPT', null, null],
    ]);
    assert.deepEqual(plan.endpoints.map((e) => [e.name, e.authentication, e.username, e.password]), [['Chat', 'BASIC', 'xm', null], ['Ticketing', 'NO_AUTH', null, null]]);
    assert.deepEqual([...plan.access], ['admin']);
    assert.deepEqual([...form!.senders], ['admin']);
    assert.equal(warnings.length, 2);
    assert.match(warnings.join('\n'), /"Close tickets" creates no event/);
    assert.match(warnings.join('\n'), /"Engage - Status" runs a script/);
  });

  it('runs the inbound script, sends the webhooks of each response, and ends the event on Resolve', async () => {
    const chat = await startReceiver();
    try {
      const plan = sim.plans.plans.find((p) => p.name === 'Chat Engage')!;
      sim.setEndpoint(plan.id, 'Chat', { baseUrl: chat.url, password: 'chat-pass' });
      sim.setEndpoint(plan.id, 'Ticketing', { baseUrl: `${chat.url}/tickets` });
      const url = sim.inboundUrl(plan.inbound[0]!.id);
      const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ ticket: 'INC-7', subject: 'Checkout down', severity: 2, who: ['bsmith'] }) });
      assert.equal(res.status, 202);
      const { requestId } = (await res.json()) as { requestId: string };
      await waitFor(() => sim.events.some((e) => e.requestId === requestId), 'the event is created');
      const event = sim.events.find((e) => e.requestId === requestId)!;
      assert.deepEqual(event.properties, { ticket: 'INC-7', subject: 'Checkout down', severity: '2' });
      assert.equal(event.submitter, 'admin');
      assert.deepEqual(sim.activity(plan.inbound[0]!.id)[0]?.log.slice(1, 2), ['Engaging for INC-7']);
      sim.respond(event.eventIdentifier, 'bsmith', 'Acknowledge');
      sim.respond(event.eventIdentifier, 'bsmith', 'Resolve', 'fixed');
      assert.equal(event.status, 'TERMINATED');
      await sim.idle();
      assert.deepEqual(chat.received.map((r) => [r.url, r.body.response]), [
        ['/responses', 'Acknowledge'],
        ['/responses', 'Resolve'],
        ['/tickets', 'Resolve'],
      ]);
      assert.equal(chat.received[0]?.authorization, basic('xm', 'chat-pass'));
      assert.equal(chat.received[2]?.authorization, undefined);
      assert.deepEqual(chat.received[0]?.body.eventProperties, [{ ticket: 'INC-7' }, { severity: '2' }]);
      const status = plan.outbound.find((o) => o.triggeredBy === 'STATUS')!;
      assert.match(sim.activity(status.id)[0]?.title ?? '', /"Run a script" outbound integrations are not simulated/);
    } finally {
      await chat.close();
    }
  });

  it('refuses files that are not plans and keeps the plans as they were', () => {
    const count = sim.plans.plans.length;
    const without = (path: string) => {
      const files = exportFiles();
      delete files[path];
      return zipOf(files);
    };
    const badForm = exportFiles();
    badForm['integrations/integrations.json'].integrations[1].form = 'no-such-form';
    const badEndpoint = exportFiles();
    badEndpoint['integrations/integrations.json'].integrations[1].endpoint = 'Nowhere';
    const cases: Array<[Uint8Array, RegExp]> = [
      [new TextEncoder().encode('not a zip'), /not a zip archive/],
      [without('engine.json'), /no engine\.json/],
      [without('forms/EngageChat/105846.json'), /no forms/],
      [zipOf(badForm), /refers to form no-such-form/],
      [zipOf(badEndpoint), /endpoint "Nowhere", which is not in the plan/],
      [zipOf({ ...exportFiles(), 'engine.json': { name: '' } }), /engine\.json/],
      [zipOf(exportFiles()), /A plan named "Chat Engage" already exists/],
    ];
    for (const [zip, message] of cases) assert.throws(() => sim.importPlan(zip), message);
    assert.equal(sim.plans.plans.length, count);
  });
});

describe('the Developer tab', () => {
  it('Import Plan takes the uploaded zip and shows the plan with its inbound URL to copy', async () => {
    const files = exportFiles();
    files['engine.json'].name = 'Uploaded <b>plan</b>';
    const body = new FormData();
    body.append('plan', new Blob([Buffer.from(zipOf(files))], { type: 'application/zip' }), 'plan.zip');
    const res = await fetch(`${sim.baseUrl}/developer/import`, { method: 'POST', body, redirect: 'manual' });
    assert.equal(res.status, 303);
    const page = await fetch(`${sim.baseUrl}${res.headers.get('location')}`);
    assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    const html = await page.text();
    assert.ok(html.includes('Uploaded &lt;b&gt;plan&lt;/b&gt;') && !html.includes('<b>plan</b>'), 'escaped');
    const plan = sim.plans.plans.find((p) => p.name === 'Uploaded <b>plan</b>')!;
    assert.ok(html.includes(`value="${sim.inboundUrl(plan.inbound[0]!.id)}"`));
    assert.ok(html.includes('Copy URL'));
    assert.match(html, /creates no event from a form/, 'the import warnings');

    const empty = new FormData();
    const refused = await fetch(`${sim.baseUrl}/developer/import`, { method: 'POST', body: empty });
    assert.equal(refused.status, 400);
    assert.match(await refused.text(), /Choose the communication plan/);
  });

  it('an admin sets credentials, permissions and the authentication method with the page forms', async () => {
    const plan = sim.plans.plans.find((p) => p.name === 'Uploaded <b>plan</b>')!;
    const form = (fields: Record<string, string>) => ({ body: new URLSearchParams(fields).toString(), headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    const send = (path: string, fields: Record<string, string>) => {
      const { body, headers } = form(fields);
      return post(path, body, headers);
    };
    assert.equal((await send(`/developer/plans/${plan.id}/endpoints/Chat`, { baseUrl: 'https://chat.example/hook', authentication: 'BASIC', username: 'xm2', password: 'pw-2' })).status, 303);
    assert.deepEqual([plan.endpoints[0]?.baseUrl, plan.endpoints[0]?.username, plan.endpoints[0]?.password], ['https://chat.example/hook', 'xm2', 'pw-2']);
    // An empty password keeps the one that was set; a wrong URL changes nothing.
    await send(`/developer/plans/${plan.id}/endpoints/Chat`, { baseUrl: 'https://chat.example/hook', authentication: 'BASIC', username: 'xm2', password: '' });
    assert.equal(plan.endpoints[0]?.password, 'pw-2');
    const refused = await send(`/developer/plans/${plan.id}/endpoints/Chat`, { baseUrl: 'nope', authentication: 'BASIC', username: 'xm3' });
    assert.equal(refused.status, 400);
    assert.equal(plan.endpoints[0]?.username, 'xm2');
    const page = await (await fetch(`${sim.baseUrl}/developer/plans/${plan.id}`)).text();
    assert.ok(!page.includes('pw-2'), 'no password on the page');

    assert.equal((await send(`/developer/plans/${plan.id}/access`, { users: 'admin, hipchat' })).status, 303);
    assert.equal((await send(`/developer/forms/${plan.forms[0]!.id}/senders`, { users: 'admin hipchat' })).status, 303);
    assert.equal((await send(`/developer/forms/${plan.forms[0]!.id}/senders`, { users: 'ghost' })).status, 400);
    assert.deepEqual([...plan.forms[0]!.senders], ['admin', 'hipchat']);
    assert.equal((await send(`/developer/integrations/${plan.inbound[0]!.id}/auth`, { authType: 'BASIC' })).status, 303);
    assert.equal(plan.inbound[0]?.authType, 'BASIC');
    assert.ok(!sim.inboundUrl(plan.inbound[0]!.id).includes('apiKey'));
  });

  it('each integration has an Activity Stream page', async () => {
    const plan = sim.plans.plans.find((p) => p.name === 'Chat Engage')!;
    const html = await (await fetch(`${sim.baseUrl}/developer/integrations/${plan.inbound[0]!.id}`)).text();
    assert.match(html, /Activity Stream/);
    assert.match(html, /Event 1360\d+ created/);
    assert.match(html, /HTTP 202/);
    assert.equal((await fetch(`${sim.baseUrl}/developer/integrations/nope`)).status, 404);
  });
});

describe('the plan the add-on offers', () => {
  it('build → import → the admin steps → trigger → outbound webhooks with only invite_id', async () => {
    const callbackUrl = `${receiver.url}/xmatters/callbacks`;
    const zip = buildCommunicationPlan({ callbackUrl, callbackUsername: 'xm-cb-user' });
    const imported = await post('/_sim/plans', zip, { 'Content-Type': 'application/zip' });
    assert.equal(imported.status, 201);
    const { id: planId, inbound } = (await imported.json()) as { id: string; inbound: Array<{ id: string; name: string; url: string }> };
    assert.equal(inbound[0]?.name, 'Invite to room');
    const plan = sim.plans.plans.find((p) => p.id === planId)!;
    const formId = plan.forms[0]!.id;

    // Seed 002: access and sender permissions for the integration user, Basic authentication,
    // and the endpoint's password (which the export does not carry).
    const admin = async (path: string, body: unknown) => assert.equal((await post(path, JSON.stringify(body))).status, 200, path);
    await admin(`/_sim/plans/${planId}/access`, { users: ['admin', 'hipchat'] });
    await admin(`/_sim/forms/${formId}/senders`, { users: ['hipchat'] });
    await admin(`/_sim/integrations/${inbound[0]!.id}/auth`, { authType: 'BASIC' });
    await admin(`/_sim/plans/${planId}/endpoints/HipChat%20add-on`, { password: 'cb-pass' });
    const url = sim.inboundUrl(inbound[0]!.id);

    // The body the add-on's trigger job sends today, callbacks included.
    const body = {
      properties: { invite_id: 'f3b6c2d1-0000-4000-8000-000000000001', room_id: '100', room_name: 'Ops War Room', room_link: 'https://hipchat.example/chat/room/100', description: 'DB down', inviter_name: 'Alice Admin', inviter_mention: 'alice' },
      recipients: [{ targetName: 'Database' }, { targetName: 'mmcbride' }],
      callbacks: [{ url: 'https://elsewhere.example/cb', type: 'response', authType: 'basic', authUserName: 'x', authPassword: 'y' }],
    };
    const res = await fetch(url, { method: 'POST', headers: { Authorization: AUTH, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal(res.status, 202);
    const { requestId } = (await res.json()) as { requestId: string };
    await waitFor(() => sim.events.some((e) => e.requestId === requestId), 'the event is created');
    const event = sim.events.find((e) => e.requestId === requestId)!;
    assert.deepEqual(event.properties, body.properties);
    assert.deepEqual(event.notifications.map((n) => n.targetName), ['bsmith', 'mmcbride']);
    sim.respond(event.eventIdentifier, 'bsmith', 'Accept', 'omw');
    sim.comment(event.eventIdentifier, 'mmcbride', 'I can help too');
    await sim.idle();

    const mine = receiver.received.filter((r) => r.body.eventIdentifier === event.eventIdentifier);
    assert.ok(mine.length >= 5);
    assert.ok(mine.every((r) => r.url === '/xmatters/callbacks' && r.authorization === basic('xm-cb-user', 'cb-pass')));
    assert.ok(mine.every((r) => JSON.stringify(r.body.eventProperties) === JSON.stringify([{ invite_id: body.properties.invite_id }])));
    assert.deepEqual(mine.filter((r) => 'response' in r.body).map((r) => [r.body.recipient, r.body.response, r.body.annotation]), [['bsmith', 'Accept', 'omw']]);
    assert.equal(mine.filter((r) => 'annotation' in r.body && typeof r.body.annotation === 'object').length, 1);
    assert.deepEqual(mine.filter((r) => 'status' in r.body).map((r) => r.body.status), ['active']);
    assert.equal(mine.filter((r) => 'escalation' in r.body).length, 0, 'the plan has no escalation integration');
  });

  it('triggered before the admin gave sender permission: 202, no event, and the reason', async () => {
    const zip = buildCommunicationPlan({ callbackUrl: `${receiver.url}/cb`, callbackUsername: 'u2', planName: 'Second HipChat' });
    const { plan, inbound } = sim.importPlan(zip);
    const res = await fetch(inbound[0]!.url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ properties: { invite_id: 'i' }, recipients: [{ id: 'bsmith', recipientType: 'PERSON' }] }) });
    assert.equal(res.status, 202, 'URL authentication runs as the importer, who may send');
    sim.setFormSenders(plan.forms[0]!.id, ['hipchat']);
    const before = sim.events.length;
    const basicRes = await fetch(inbound[0]!.url, { method: 'POST', headers: { Authorization: AUTH, 'Content-Type': 'application/json' }, body: '{}' });
    assert.equal(basicRes.status, 202, 'the apiKey in the URL decides, not the Basic header');
    await sim.idle();
    const [latest] = sim.activity(plan.inbound[0]!.id);
    assert.equal(latest?.outcome, 'error');
    assert.match(latest?.log.join('\n') ?? '', /admin has no sender permission on the form "Invite to Room"/);
    assert.equal(sim.events.length, before);
  });
});

describe('renaming a plan (Edit Plan → name)', () => {
  it('lets the same plan be imported again once the first copy has another name', () => {
    const files = exportFiles();
    files['engine.json'] = { ...files['engine.json'], name: 'Rename Me' };
    const first = sim.importPlan(zipOf(files));
    assert.throws(() => sim.importPlan(zipOf(files)), /already exists/);
    sim.renamePlan(first.plan.id, 'Rename Me (room 1)');
    const second = sim.importPlan(zipOf(files));
    assert.equal(second.plan.name, 'Rename Me');
    assert.equal(sim.plans.plan(first.plan.id).name, 'Rename Me (room 1)');
    assert.notEqual(second.inbound[0]?.url, first.inbound[0]?.url, 'each copy has its own inbound integration');
  });

  it('refuses an empty or taken name and keeps the old one', () => {
    const files = exportFiles();
    files['engine.json'] = { ...files['engine.json'], name: 'Keep My Name' };
    const { plan } = sim.importPlan(zipOf(files));
    assert.throws(() => sim.renamePlan(plan.id, '  '), /1 to 100/);
    assert.throws(() => sim.renamePlan(plan.id, 'rename me (ROOM 1)'), /already exists/);
    assert.equal(sim.plans.plan(plan.id).name, 'Keep My Name');
  });
});

describe('auto-responses for everyone', () => {
  it('a "*" rule answers for every notified person without a rule of their own', async () => {
    const own = await startXMattersSim({ people: 20, groups: 2, triggerDelayMs: 5 });
    try {
      own.autoRespond({ '*': { response: 'Accept', delayMs: 5 }, mmcbride: { response: 'Decline', delayMs: 5 } });
      const res = await fetch(own.inviteUrl, {
        method: 'POST',
        headers: { Authorization: AUTH, 'Content-Type': 'application/json' },
        body: JSON.stringify({ properties: { invite_id: 'inv-all', room_name: 'Ops', description: 'DB down' }, recipients: [{ id: 'bsmith', recipientType: 'PERSON' }, { id: 'mmcbride', recipientType: 'PERSON' }] }),
      });
      assert.equal(res.status, 202);
      await waitFor(() => own.events[0]?.notifications.every((n) => n.response !== null) === true, 'both answered');
      assert.deepEqual(own.events[0]?.notifications.map((n) => [n.targetName, n.response]).sort(), [['bsmith', 'Accept'], ['mmcbride', 'Decline']]);
    } finally {
      await own.close();
    }
  });
});
