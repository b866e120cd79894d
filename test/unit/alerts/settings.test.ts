import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileSettings, type SourceSettings } from '../../../lib/alerts/settings';
import { AddonError } from '../../../lib/errors';

const ROOMS = [
  { id: 100, name: 'Ops War Room' },
  { id: 102, name: 'Random' },
];
const base = (overrides: Partial<SourceSettings> = {}): SourceSettings => ({
  rooms: ROOMS,
  template: { message: '{{Name}} is {{TriggerType}}', format: 'text', severity: '{{TriggerType}}', color: 'yellow', card: null },
  alertKey: '',
  dedupeMinutes: 5,
  rules: [],
  inviteWindowMinutes: 60,
  ...overrides,
});
const rule = (overrides: Partial<SourceSettings['rules'][number]> = {}): SourceSettings['rules'][number] => ({ field: 'severity', op: 'equals', value: 'critical', roomId: null, invite: null, ...overrides });

function refused(settings: SourceSettings, field: string, message: RegExp, kind: 'json' | 'soda' | 'hipchat' = 'json') {
  assert.throws(
    () => compileSettings(kind, settings),
    (err: unknown) => err instanceof AddonError && err.status === 400 && err.field === field && message.test(err.message),
    `${field}: ${message}`,
  );
}

test('settings compile: the first room is the default, rules keep their rooms, windows in milliseconds', () => {
  const compiled = compileSettings('json', base({ rules: [rule({ roomId: 102 }), rule({ invite: { group: 'Database', description: '' } })] }));
  assert.deepEqual(compiled.defaultRoom, ROOMS[0]);
  assert.equal(compiled.rules[0]!.roomId, 102);
  assert.equal(compiled.rules[1]!.roomId, 100, 'a rule without a room keeps the default room');
  assert.equal(compiled.rules[1]!.invite?.description, null, 'an empty description stands for the alert’s message');
  assert.equal(compiled.dedupeMs, 5 * 60_000);
  assert.equal(compiled.inviteWindowMs, 60 * 60_000);
  assert.equal(compiled.alertKey, null);
  assert.equal(compileSettings('soda', base({ template: null })).template, null, 'Soda Cloud messages are built in');
});

test('each problem names its field, as the configure tab names its inputs', () => {
  refused(base({ rooms: [] }), 'rooms', /at least one room/);
  refused(base({ template: null }), 'template.message', /message template/);
  refused(base({ template: { ...base().template!, message: '  ' } }), 'template.message', /Write the message template/);
  refused(base({ template: { ...base().template!, message: '{{Name' } }), 'template.message', /The template has "\{\{" at character 1 without a closing/);
  refused(base({ template: { ...base().template!, severity: '{{}}' } }), 'template.severity', /is not a field name/);
  refused(base({ template: { ...base().template!, card: { title: '', link: '{{x', fields: [] } } }), 'template.card.link', /without a closing/);
  refused(base({ template: { ...base().template!, card: { title: '', link: '', fields: [{ label: 'A', value: 'ok' }, { label: 'B', value: '}}' }] } } }), 'template.card.fields.1.value', /without a "\{\{" before it/);
  refused(base({ template: { ...base().template!, card: { title: '', link: '', fields: [{ label: ' ', value: 'x' }] } } }), 'template.card.fields.0.label', /label/);
  refused(base({ alertKey: '{{entity_id' }), 'alertKey', /without a closing/);
  refused(base({ rules: [rule(), rule({ field: 'a..b' })] }), 'rules.1.field', /Rule 2: the field has an empty name/);
  refused(base({ rules: [rule({ op: 'matches', value: '(x)\\1' })] }), 'rules.0.value', /Rule 1: the pattern is not a regular expression RE2 reads/);
  refused(base({ rules: [rule({ roomId: 999 })] }), 'rules.0.room', /room 999 is not one of the source's rooms/);
  refused(base({ rules: [rule({ invite: { group: ' ', description: '' } })] }), 'rules.0.invite.group', /name the xMatters group/);
  refused(base({ rules: [rule({ invite: { group: 'Database', description: '{{Name' } })] }), 'rules.0.invite.description', /without a closing/);
  refused(base({ rules: Array.from({ length: 21 }, () => rule()) }), 'rules', /at most 20 rules/);
  refused(base({ rooms: Array.from({ length: 21 }, (_, i) => ({ id: i + 1, name: `r${i}` })) }), 'rooms', /at most 20 rooms/);
});
