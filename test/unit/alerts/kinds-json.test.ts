import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readBody, type IntakeBody } from '../../../lib/alerts/body';
import { jsonDrafts } from '../../../lib/alerts/kinds/json';
import { compileSettings, type MessageTemplate } from '../../../lib/alerts/settings';
import { AddonError } from '../../../lib/errors';
import { alertFixture, alertPayload } from '../../helpers/alerts';

const template = (t: Partial<MessageTemplate>) =>
  compileSettings('json', {
    rooms: [{ id: 1, name: 'r' }],
    template: { message: '', format: 'text', severity: '', color: 'yellow', card: null, ...t },
    alertKey: '',
    dedupeMinutes: 0,
    rules: [],
    inviteWindowMinutes: 60,
  }).template!;
const json = (value: unknown): IntakeBody => ({ type: 'json', value });

const SUMO = template({
  message: '{{TriggerType}}: {{Name}} ({{TriggerCondition}})',
  severity: '{{TriggerType}}',
  card: { title: '{{Name}}', link: '{{QueryURL}}', fields: [{ label: 'Trigger', value: '{{TriggerType}}' }, { label: 'Value', value: '{{TriggerValue}}' }, { label: 'Empty', value: '{{SearchName}}' }] },
});

test("Sumo Logic's webhook connection payload through a template, with a card that links back", () => {
  const [critical] = jsonDrafts(json(alertPayload('sumo-logic/generic-json-monitor-critical.json')), SUMO, 'Sumo');
  assert.deepEqual(critical!.notice, {
    text: 'Critical: Checkout errors (Greater than or equal to 1.0 in the last 15 minutes)',
    format: 'text',
    color: 'red',
    notify: true,
    card: {
      id: '',
      title: 'Checkout errors',
      description: 'Critical: Checkout errors (Greater than or equal to 1.0 in the last 15 minutes)',
      url: 'https://service.sumologic.com/ui/#/search/00000000000468D5',
      attributes: [
        { label: 'Trigger', value: 'Critical' },
        { label: 'Value', value: '391' },
      ],
    },
  });
  const [resolved] = jsonDrafts(json(alertPayload('sumo-logic/generic-json-monitor-resolved.json')), SUMO, 'Sumo');
  assert.equal(resolved!.notice.text, 'ResolvedCritical: Checkout errors (Greater than or equal to 1.0 in the last 15 minutes)');
  assert.equal(resolved!.notice.color, 'green');
  assert.equal(resolved!.notice.notify, false);
});

test("Splunk On-Call's outgoing webhook alerts, critical and recovery", () => {
  const splunk = template({ message: '{{message_type}}: {{entity_display_name}} — {{state_message}}', severity: '{{message_type}}' });
  const [critical] = jsonDrafts(json(alertPayload('splunk-on-call/outgoing-webhook-alert-critical.json')), splunk, 'Splunk');
  assert.equal(critical!.notice.text, 'CRITICAL: Critically Low Disk Space on DB01 — The disk is really really full. Here is abunch of information about the problem');
  assert.equal(critical!.notice.color, 'red');
  const [recovery] = jsonDrafts(json(alertPayload('splunk-on-call/outgoing-webhook-alert-recovery.json')), splunk, 'Splunk');
  assert.equal(recovery!.notice.text, 'RECOVERY: Critically Low Disk Space on DB01 — Memory was added to the disk. All is well now');
  assert.equal(recovery!.notice.color, 'green');
  const raw = template({ message: '{{INCIDENT.INCIDENT_NAME}} {{ALERT.entity_display_name}} is {{INCIDENT.CURRENT_PHASE}}', severity: '{{ALERT.message_type}}' });
  assert.equal(jsonDrafts(json(alertPayload('splunk-on-call/outgoing-webhook-incident-triggered-raw.json')), raw, 'Splunk')[0]!.notice.text, '#14 test14 is UNACKED');
});

test("Splunk On-Call's form-encoded escalation webhook: values sent as JSON strings are read as those strings", () => {
  const fixture = alertFixture('splunk-on-call/escalation-webhook.json');
  const form = new URLSearchParams(fixture.payload as Record<string, string>).toString();
  const body = readBody(Buffer.from(form), fixture.headers!['Content-Type']);
  const [draft] = jsonDrafts(body, template({ message: 'Incident {{incident}}: {{entity_display_name}} ({{message_type}}) — {{state_message}}', severity: '{{message_type}}' }), 'Splunk');
  assert.equal(draft!.notice.text, "Incident 31: Testing to localhost (CRITICAL) — maybe I don't need to get paged after all");
  assert.equal(draft!.notice.color, 'red');
});

test('html templates escape values; a template that gives no text still posts; unknown severities take the colour set', () => {
  const html = template({ message: '<b>{{name}}</b> is {{state}}', format: 'html', color: 'purple', severity: '{{state}}', card: { title: '<b>{{name}}</b>', link: 'javascript:{{x}}', fields: [] } });
  const [draft] = jsonDrafts(json({ name: '<img src=x onerror=alert(1)>', state: 'weird' }), html, 'Sumo');
  assert.equal(draft!.notice.text, '<b>&lt;img src=x onerror=alert(1)&gt;</b> is weird');
  assert.equal(draft!.notice.format, 'html');
  assert.equal(draft!.notice.color, 'purple');
  assert.equal(draft!.summary, '<img src=x onerror=alert(1)> is weird');
  assert.equal(draft!.notice.card?.title, '<img src=x onerror=alert(1)>', 'card titles are text');
  assert.equal(draft!.notice.card?.url, undefined, 'only http(s) links');
  assert.equal(draft!.notice.card?.descriptionFormat, 'html');
  const [empty] = jsonDrafts(json({}), template({ message: '{{nothing}}' }), 'Sumo Logic');
  assert.equal(empty!.notice.text, 'Alert from Sumo Logic (its message template gave no text for this alert)');
  const [long] = jsonDrafts(json({ v: 'x'.repeat(20_000) }), template({ message: '{{v}}' }), 'Sumo');
  assert.equal(long!.notice.text.length, 10_000);
  assert.ok(long!.notice.text.endsWith('…'));
});

test('a single value is not an alert', () => {
  for (const value of ['text', 42, null, true]) {
    assert.throws(() => jsonDrafts(json(value), template({ message: 'x' }), 's'), (err: unknown) => err instanceof AddonError && err.status === 400 && /must be a JSON object/.test(err.message));
  }
  assert.equal(jsonDrafts(json([{ a: 'x' }]), template({ message: '{{0.a}}' }), 's')[0]!.notice.text, 'x', 'a list is read by index');
});
