import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';

const root = new URL('../../fixtures/alerts/', import.meta.url);
const tools = ['sumo-logic', 'splunk-on-call', 'soda-cloud'];

interface Fixture { _source: string; headers?: Record<string, string>; payload: Record<string, unknown> }

const files = tools.flatMap((tool) =>
  readdirSync(new URL(`${tool}/`, root)).filter((name) => name.endsWith('.json')).map((name) => `${tool}/${name}`));
const read = (file: string): Fixture => JSON.parse(readFileSync(new URL(file, root), 'utf8'));

test('every alert fixture is {_source, headers?, payload} and names a public source by URL', () => {
  assert.ok(files.length >= 19, `only ${files.length} fixtures found`);
  for (const file of files) {
    const fixture = read(file);
    assert.deepEqual(Object.keys(fixture).filter((key) => !['_source', 'headers', 'payload'].includes(key)), [], file);
    assert.match(fixture._source, /https:\/\/\S+/, `${file}: _source has no URL`);
    assert.equal(typeof fixture.payload, 'object', file);
    for (const value of Object.values(fixture.headers ?? {})) assert.equal(typeof value, 'string', file);
  }
});

test('the fixtures README lists exactly the fixture files', () => {
  const readme = readFileSync(new URL('README.md', root), 'utf8');
  const listed = tools.flatMap((tool) => {
    const section = readme.split(`(\`${tool}/\`)`)[1]?.split('\n## ')[0] ?? '';
    return [...section.matchAll(/^\| `([^`]+\.json)` \|/gm)].map((match) => `${tool}/${match[1]}`);
  });
  assert.deepEqual(listed.sort(), [...files].sort());
});

// HipChat's send_room_notification rules, docs/hipchat-connect.md §5.
test('fixtures in HipChat notification format are bodies HipChat would take', () => {
  const hipchatBodies = ['sumo-logic/hipchat-notification-monitor-critical.json', 'splunk-on-call/hipchat-outgoing-webhook.json'];
  for (const file of hipchatBodies) {
    const { message, color, notify, message_format } = read(file).payload;
    assert.ok(typeof message === 'string' && message.length >= 1 && message.length <= 10000, file);
    assert.ok(['yellow', 'green', 'red', 'purple', 'gray', 'random'].includes(color as string), file);
    assert.equal(typeof notify, 'boolean', file);
    assert.ok(['html', 'text'].includes(message_format as string), file);
  }
});

// Event names of docs/alerts.md §3.2.
test('Soda Cloud fixtures cover each documented event and every check outcome', () => {
  const soda = files.filter((file) => file.startsWith('soda-cloud/')).map((file) => read(file).payload);
  const events = new Set(soda.map((payload) => payload.event));
  assert.deepEqual([...events].sort(), ['checkEvaluation', 'contractPublished', 'incidentCreated', 'incidentUpdated', 'validate']);
  const outcomes = soda.filter((payload) => payload.event === 'checkEvaluation')
    .flatMap((payload) => (payload.checkResults as { outcome: string }[]).map((result) => result.outcome));
  assert.deepEqual(outcomes.sort(), ['fail', 'pass', 'warn']);
});

test('the Splunk On-Call critical and recovery alerts belong to one incident', () => {
  const critical = read('splunk-on-call/outgoing-webhook-alert-critical.json').payload;
  const recovery = read('splunk-on-call/outgoing-webhook-alert-recovery.json').payload;
  assert.equal(critical.message_type, 'CRITICAL');
  assert.equal(recovery.message_type, 'RECOVERY');
  assert.equal(recovery.entity_id, critical.entity_id);
});
