import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { alertFixture, alertPayload, createSource, sourceBody, type CreatedSource } from '../helpers/alerts';
import { waitFor } from '../helpers/wait';
import { installAndConfigure, startWorld, type World } from '../helpers/world';

// Each kind's sample payloads (test/fixtures/alerts, from the vendors' documents) posted the way each
// tool posts them, and what the room shows (the HipChat simulator's notifications).

const OPS = 100; // "Ops War Room", where the room installation lives
let world: World;
let roomInstall: string;

before(async () => {
  world = await startWorld({ worker: { pollMs: 50 } });
  roomInstall = (await installAndConfigure(world, OPS)).oauthId;
});
after(() => world.close());

const app = () => world.addon.addon.app;
const notifications = (roomId: number) => world.hipchat.notifications(roomId);

async function posted(roomId: number, text: string) {
  await waitFor(() => notifications(roomId).some((n) => n.message === text), `room ${roomId} shows "${text.slice(0, 80)}"`, 15_000);
  return notifications(roomId).find((n) => n.message === text)!;
}

describe('HipChat notification kind', () => {
  let source: CreatedSource;
  before(async () => {
    source = await createSource(world, roomInstall, sourceBody({ name: 'Sumo Logic', kind: 'hipchat', dedupeMinutes: 0 }), OPS);
  });

  test("Sumo Logic's HipChat connection posts its HipChat body to the intake URL with the secret in it (seed 000)", async () => {
    const body = alertPayload('sumo-logic/hipchat-notification-monitor-critical.json');
    // Sumo's HipChat connection has only a URL: "Authorization Header, not required for HipChat".
    const res = await request(app()).post(source.pathWithSecret).send(body);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.accepted, 1);
    const n = await posted(OPS, body.message as string);
    assert.equal(n.color, 'red');
    assert.equal(n.notify, true);
    assert.equal(n.message_format, 'text');
    assert.equal(n.from, 'Sumo Logic', 'labelled with the source');
  });

  test("Splunk On-Call's outgoing webhook posts seed 001's body with the secret in a custom header", async () => {
    const fixture = alertFixture('splunk-on-call/hipchat-outgoing-webhook.json');
    const res = await request(app()).post(source.path).set(fixture.headers!).set('Authorization', `Bearer ${source.secret}`).send(JSON.stringify(fixture.payload));
    assert.equal(res.status, 200, res.text);
    const n = await posted(OPS, 'Critically Low Disk Space on DB01');
    assert.equal(n.color, 'red');
  });

  test('a CI server posting text/html with Basic credentials', async () => {
    const res = await request(app()).post(source.path).auth('ci', source.secret).set('Content-Type', 'text/html').send('Build <b>#42</b> failed');
    assert.equal(res.status, 200, res.text);
    const n = await posted(OPS, 'Build <b>#42</b> failed');
    assert.equal(n.message_format, 'html');
    assert.equal(n.color, 'yellow', "HipChat's default colour");
  });
});

describe('Soda Cloud kind', () => {
  let source: CreatedSource;
  before(async () => {
    source = await createSource(world, roomInstall, sourceBody({ name: 'Soda Cloud', kind: 'soda', dedupeMinutes: 0 }), OPS);
  });
  // Soda's documented header example: "Authorization:" "bearer [token]" (docs/alerts.md §3.3).
  const send = (file: string) => request(app()).post(source.path).set('Authorization', `bearer ${source.secret}`).send(alertPayload(`soda-cloud/${file}`));

  const expected: Array<[string, string, string]> = [
    ['validate.json', "Soda Cloud webhook test: the add-on received Soda's validate event (sent 2022-10-01T09:12:10.042323Z).", 'gray'],
    ['check-evaluation-fail.json', 'Soda check failed: count same as SODATEST_RAWCUSTOMERS_7275c02c in postgres2 on bnm_orders (sodaspark) — value 0 https://cloud.soda.io/checks/39d706c3-5a48-b', 'red'],
    ['check-evaluation-warn.json', 'Soda check warned: count same as SODATEST_RAWCUSTOMERS_7275c02c in postgres2 on bnm_orders (sodaspark) — value 0 https://cloud.soda.io/checks/39d706c3-5a48-b', 'yellow'],
    ['check-evaluation-pass.json', 'Soda check passed: count same as SODATEST_RAWCUSTOMERS_7275c02c in postgres2 on bnm_orders (sodaspark) — value 0 https://cloud.soda.io/checks/39d706c3-5a48-b', 'green'],
    ['incident-updated.json', 'Soda incident #196 resolved: Invalid customer ids (severity major, status resolved) https://cloud.soda.io/incidents/e1f399a3-******-1992d2744ef6', 'green'],
    ['incident-created-v4.json', 'Soda incident #196 opened: Invalid customer ids (severity high, status reported) https://cloud.soda.io/incidents/e1f399a3-******-1992d2744ef6', 'red'],
    ['contract-published.json', 'Soda contract published for datasource/db/schema/dataset by person@soda.io.', 'purple'],
  ];
  for (const [file, text, color] of expected) {
    test(`${file} reaches the room as "${text.slice(0, 40)}…"`, async () => {
      const res = await send(file);
      assert.equal(res.status, 200, res.text);
      const n = await posted(OPS, text);
      assert.equal(n.color, color);
      if (file !== 'validate.json') assert.equal((n.card as { url?: string } | undefined)?.url ?? null, file === 'contract-published.json' ? null : text.split(' ').at(-1));
    });
  }

  test('a new incident is answered with a link to the room, which Soda Cloud adds to the incident', async () => {
    const res = await send('incident-created.json');
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body.link, { url: `${world.hipchat.baseUrl}/chat/room/${OPS}`, text: 'HipChat room Ops War Room' });
    await posted(OPS, 'Soda incident #196 opened: Invalid customer ids (severity major, status opened) https://cloud.soda.io/incidents/e1f399a3-******-1992d2744ef6');
  });
});

describe('generic JSON kind', () => {
  let sumo: CreatedSource;
  let splunk: CreatedSource;
  before(async () => {
    sumo = await createSource(
      world,
      roomInstall,
      sourceBody({
        name: 'Sumo webhook',
        kind: 'json',
        dedupeMinutes: 0,
        template: { message: 'Sumo Logic: {{TriggerType}} {{Name}} — {{TriggerCondition}} ({{ResultsJson.Message}})', severity: '{{TriggerType}}', card: { title: '{{Name}}', link: '{{QueryURL}}', fields: [{ label: 'Trigger', value: '{{TriggerType}}' }] } },
      }),
      OPS,
    );
    splunk = await createSource(
      world,
      roomInstall,
      sourceBody({ name: 'Splunk On-Call', kind: 'json', dedupeMinutes: 0, template: { message: '{{message_type}}: {{entity_display_name}} — {{state_message}}', severity: '{{message_type}}', format: 'html' } }),
      OPS,
    );
  });

  test("Sumo Logic's webhook connection, alert and recovery payloads, with the secret as its Authorization Header", async () => {
    const critical = await request(app()).post(sumo.path).set('Authorization', `Bearer ${sumo.secret}`).send(alertPayload('sumo-logic/generic-json-monitor-critical.json'));
    assert.equal(critical.status, 200, critical.text);
    const n = await posted(OPS, 'Sumo Logic: Critical Checkout errors — Greater than or equal to 1.0 in the last 15 minutes (2015-10-27 10:31:15,853 -0700 INFO Partitioned 0 tokens, 2 targets into 773 assignments)');
    assert.equal(n.color, 'red');
    assert.equal(n.notify, true);
    const card = n.card as { title: string; url: string; attributes: Array<{ label: string; value: { label: string } }> };
    assert.equal(card.title, 'Checkout errors');
    assert.equal(card.url, 'https://service.sumologic.com/ui/#/search/00000000000468D5');
    assert.deepEqual(card.attributes, [{ label: 'Trigger', value: { label: 'Critical' } }]);
    const resolved = await request(app()).post(sumo.path).set('Authorization', `Bearer ${sumo.secret}`).send(alertPayload('sumo-logic/generic-json-monitor-resolved.json'));
    assert.equal(resolved.status, 200);
    const r = await posted(OPS, 'Sumo Logic: ResolvedCritical Checkout errors — Greater than or equal to 1.0 in the last 15 minutes ()');
    assert.equal(r.color, 'green');
    assert.equal(r.notify, false);
  });

  test("Splunk On-Call's outgoing webhooks (CRITICAL, RECOVERY), HTML-escaped, and its form-encoded escalation webhook", async () => {
    for (const file of ['outgoing-webhook-alert-critical.json', 'outgoing-webhook-alert-recovery.json']) {
      const fixture = alertFixture(`splunk-on-call/${file}`);
      const res = await request(app()).post(splunk.pathWithSecret).set(fixture.headers!).send(JSON.stringify(fixture.payload));
      assert.equal(res.status, 200, res.text);
    }
    assert.equal((await posted(OPS, 'CRITICAL: Critically Low Disk Space on DB01 — The disk is really really full. Here is abunch of information about the problem')).color, 'red');
    assert.equal((await posted(OPS, 'RECOVERY: Critically Low Disk Space on DB01 — Memory was added to the disk. All is well now')).color, 'green');
    // Escalation webhooks sign their bodies but carry no custom header: the secret goes in the URL.
    const escalation = alertFixture('splunk-on-call/escalation-webhook.json');
    const res = await request(app())
      .post(splunk.pathWithSecret)
      .set(escalation.headers!)
      .send(new URLSearchParams(escalation.payload as Record<string, string>).toString());
    assert.equal(res.status, 200, res.text);
    const n = await posted(OPS, 'CRITICAL: Testing to localhost — maybe I don&#39;t need to get paged after all');
    assert.equal(n.message_format, 'html');
  });
});
