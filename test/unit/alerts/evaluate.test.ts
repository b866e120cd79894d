import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { evaluateAlerts, KEY_TEXT_LENGTH } from '../../../lib/alerts/evaluate';
import { compileSettings, type AlertKind, type SourceSettings } from '../../../lib/alerts/settings';
import { MAX_DESCRIPTION } from '../../../lib/invites/service';
import { alertPayload } from '../../helpers/alerts';

const ROOMS = [
  { id: 100, name: 'Ops War Room' },
  { id: 101, name: 'Incident 42' },
  { id: 102, name: 'Random' },
];

function source(kind: AlertKind, settings: Partial<SourceSettings>, name = 'Splunk On-Call') {
  return {
    name,
    kind,
    settings: compileSettings(kind, {
      rooms: ROOMS,
      template: kind === 'json' ? { message: '{{message_type}}: {{entity_display_name}}', format: 'text', severity: '{{message_type}}', color: 'yellow', card: null } : null,
      alertKey: '',
      dedupeMinutes: 5,
      rules: [],
      inviteWindowMinutes: 60,
      ...settings,
    }),
  };
}
const body = (value: unknown) => ({ type: 'json' as const, value });
const CRITICAL = alertPayload('splunk-on-call/outgoing-webhook-alert-critical.json');
const RECOVERY = alertPayload('splunk-on-call/outgoing-webhook-alert-recovery.json');

test('the first matching rule picks the room; no match is the default room (the first)', () => {
  const routed = source('json', {
    rules: [
      { field: 'entity_id', op: 'contains', value: 'web', roomId: 102, invite: null },
      { field: 'message_type', op: 'equals', value: 'critical', roomId: 101, invite: null },
      { field: 'entity_id', op: 'matches', value: '^disk space/', roomId: 102, invite: null },
    ],
  });
  const [critical] = evaluateAlerts(routed, body(CRITICAL));
  assert.deepEqual([critical!.room, critical!.rule], [ROOMS[1], 1]);
  const [recovery] = evaluateAlerts(routed, body(RECOVERY));
  assert.deepEqual([recovery!.room, recovery!.rule], [ROOMS[2], 2]);
  const [other] = evaluateAlerts(routed, body({ message_type: 'INFO', entity_id: 'cron' }));
  assert.deepEqual([other!.room, other!.rule], [ROOMS[0], -1]);
});

test('the alert key: the message by default, else its template; dedupe compares the hash of all of it', () => {
  const [byMessage] = evaluateAlerts(source('json', {}), body(CRITICAL));
  assert.equal(byMessage!.key, 'CRITICAL: Critically Low Disk Space on DB01');
  assert.equal(byMessage!.keyHash, createHash('sha256').update('CRITICAL: Critically Low Disk Space on DB01').digest('base64url'));
  const keyed = source('json', { alertKey: '{{entity_id}}' });
  const [critical] = evaluateAlerts(keyed, body(CRITICAL));
  const [recovery] = evaluateAlerts(keyed, body(RECOVERY));
  assert.equal(critical!.key, 'disk space/db01.mycompany.com');
  assert.equal(critical!.keyHash, recovery!.keyHash, 'same entity, same key');
  const [long] = evaluateAlerts(keyed, body({ entity_id: `${'é'.repeat(300)}\u0000x` }));
  assert.equal([...long!.key].length, KEY_TEXT_LENGTH);
  assert.ok(!long!.key.includes('\u0000'), 'no control characters in a stored key');
  const [blank] = evaluateAlerts(keyed, body({ message_type: 'INFO', entity_display_name: 'cron' }));
  assert.equal(blank!.key, 'INFO: cron', 'a key template that gives nothing falls back to the message');
});

test('an auto-invite rule names the group and a templated description, the message when it has none', () => {
  const inviting = source('json', {
    rules: [
      { field: 'message_type', op: 'equals', value: 'critical', roomId: null, invite: { group: 'Database', description: '{{entity_display_name}}: {{state_message}}' } },
      { field: 'message_type', op: 'equals', value: 'recovery', roomId: null, invite: { group: 'Database', description: '' } },
    ],
  });
  assert.deepEqual(evaluateAlerts(inviting, body(CRITICAL))[0]!.invite, { group: 'Database', description: 'Critically Low Disk Space on DB01: The disk is really really full. Here is abunch of information about the problem' });
  assert.deepEqual(evaluateAlerts(inviting, body(RECOVERY))[0]!.invite, { group: 'Database', description: 'RECOVERY: Critically Low Disk Space on DB01' });
  const long = evaluateAlerts(inviting, body({ ...CRITICAL, state_message: `\u0007${'x'.repeat(3000)}` }))[0]!.invite!;
  assert.equal(long.description.length, MAX_DESCRIPTION);
  assert.ok(!long.description.includes('\u0007'));
  assert.equal(evaluateAlerts(inviting, body({ message_type: 'INFO' }))[0]!.invite, null);
});

test('notices are labelled with the source unless the body names its own sender', () => {
  assert.equal(evaluateAlerts(source('json', {}, 'A source with a very long name indeed'), body(CRITICAL))[0]!.notice.from, 'A source with a very long');
  assert.equal(evaluateAlerts(source('json', {}, `${'x'.repeat(24)}🔥 fire`), body(CRITICAL))[0]!.notice.from, 'x'.repeat(24), 'no half character');
  assert.equal(evaluateAlerts(source('hipchat', {}), body({ message: 'x', from: 'Jenkins' }))[0]!.notice.from, 'Jenkins');
  assert.equal(evaluateAlerts(source('hipchat', {}), body(alertPayload('splunk-on-call/hipchat-outgoing-webhook.json')))[0]!.notice.from, 'Splunk On-Call');
});

test('every check result of a Soda Cloud evaluation is routed on its own', () => {
  const payload = alertPayload('soda-cloud/check-evaluation-fail.json');
  const [result] = payload.checkResults as Array<Record<string, unknown>>;
  const soda = source('soda', { rules: [{ field: 'checkResults.0.outcome', op: 'equals', value: 'fail', roomId: 101, invite: null }] });
  const alerts = evaluateAlerts(soda, body({ ...payload, checkResults: [result, { ...result, outcome: 'pass' }] }));
  assert.deepEqual(alerts.map((a) => a.room.id), [101, 100]);
  assert.notEqual(alerts[0]!.keyHash, alerts[1]!.keyHash);
});
