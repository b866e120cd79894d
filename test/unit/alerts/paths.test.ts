import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FieldReader, parsePath, valueText, type FieldPath } from '../../../lib/alerts/paths';
import { alertPayload } from '../../helpers/alerts';

const path = (text: string) => parsePath(text) as FieldPath;

test('paths read dots and [n] indexes; what is not a path says why', () => {
  assert.deepEqual(parsePath('checkResults[0].datasets[1].name'), ['checkResults', '0', 'datasets', '1', 'name']);
  assert.deepEqual(parsePath(' incident.severity '), ['incident', 'severity']);
  assert.deepEqual(parsePath('[0].name'), ['0', 'name']);
  assert.match(parsePath('') as string, /empty/);
  assert.match(parsePath('a..b') as string, /empty name/);
  assert.match(parsePath('a[x]') as string, /not an index/);
  assert.match(parsePath('a b') as string, /space/);
  assert.match(parsePath('a'.repeat(201)) as string, /longer than 200/);
  assert.match(parsePath(Array(21).fill('a').join('.')) as string, /more than 20 parts/);
});

test('names ignore case, as Sumo Logic variables do; an exact spelling wins over another case', () => {
  const reader = new FieldReader({ TriggerType: 'Critical', name: 'lower', Name: 'upper' });
  assert.equal(reader.text(path('triggertype')), 'Critical');
  assert.equal(reader.text(path('TRIGGERTYPE')), 'Critical');
  assert.equal(reader.text(path('Name')), 'upper');
  assert.equal(reader.text(path('name')), 'lower');
});

test("Splunk On-Call's flat dotted keys are found, as are nested ones", () => {
  const raw = new FieldReader(alertPayload('splunk-on-call/outgoing-webhook-incident-triggered-raw.json'));
  assert.equal(raw.text(path('ALERT.entity_display_name')), 'test14');
  assert.equal(raw.text(path('INCIDENT.POLICIES_PAGED.0.POLICY.NAME')), 'Generated Direct User Policy for kenazk');
  assert.equal(raw.text(path('alert.message_type')), 'CRITICAL');
  assert.equal(new FieldReader({ ALERT: { entity_id: 'nested' } }).text(path('ALERT.entity_id')), 'nested');
  // The flat key and a nested object both exist: the longest key that leads somewhere wins.
  assert.equal(new FieldReader({ 'a.b': { c: 'flat' }, a: { b: { c: 'nested' } } }).text(path('a.b.c')), 'flat');
  assert.equal(new FieldReader({ 'a.b': { x: 1 }, a: { b: { c: 'nested' } } }).text(path('a.b.c')), 'nested');
});

test("a string holding JSON, like Sumo Logic's ResultsJson, is read into", () => {
  const sumo = new FieldReader(alertPayload('sumo-logic/generic-json-monitor-critical.json'));
  assert.equal(sumo.text(path('ResultsJson.thread')), 'conciergePartitioner-1');
  assert.match(sumo.text(path('ResultsJson')), /^\{"thread":/, 'the variable itself is the string as sent');
  assert.equal(new FieldReader({ r: '[{"ip":"70.69.152.165"}]' }).text(path('r[0].ip')), '70.69.152.165');
  assert.equal(new FieldReader({ r: '{not json' }).get(path('r.x')), undefined);
});

test('lists, values and what is missing', () => {
  const soda = new FieldReader(alertPayload('soda-cloud/check-evaluation-fail.json'));
  assert.equal(soda.text(path('checkResults.0.outcome')), 'fail');
  assert.equal(soda.text(path('checkResults[0].diagnostics.value')), '0');
  assert.equal(soda.get(path('checkResults.1.outcome')), undefined);
  assert.equal(soda.get(path('checkResults.x')), undefined);
  assert.equal(soda.get(path('event.length')), undefined, 'no property of a string or its prototype is read');
  assert.equal(new FieldReader({}).get(path('constructor')), undefined, "inherited members are not the payload's");
  assert.equal(new FieldReader({}).get(path('__proto__')), undefined);
  assert.equal(valueText(null), '');
  assert.equal(valueText(undefined), '');
  assert.equal(valueText(false), 'false');
  assert.equal(valueText(1.5), '1.5');
  assert.equal(valueText({ a: [1, 'x'] }), '{"a":[1,"x"]}');
});
