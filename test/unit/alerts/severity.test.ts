import assert from 'node:assert/strict';
import { test } from 'node:test';
import { notifiesFor, severityColor } from '../../../lib/alerts/severity';

test('the severity words the three tools send have colours (docs/alerts.md)', () => {
  // Sumo Logic TriggerType
  for (const [word, color] of [['Critical', 'red'], ['Warning', 'yellow'], ['Missing Data', 'yellow'], ['Normal', 'green'], ['ResolvedCritical', 'green'], ['ResolvedMissingData', 'green']] as const) assert.equal(severityColor(word), color, word);
  // Splunk On-Call message_type
  for (const [word, color] of [['CRITICAL', 'red'], ['WARNING', 'yellow'], ['ACKNOWLEDGEMENT', 'gray'], ['INFO', 'gray'], ['RECOVERY', 'green'], ['OK', 'green']] as const) assert.equal(severityColor(word), color, word);
  // Soda Cloud outcomes and incident severities
  for (const [word, color] of [['fail', 'red'], ['error', 'red'], ['warn', 'yellow'], ['pass', 'green'], ['critical', 'red'], ['high', 'red'], ['major', 'red'], ['medium', 'yellow'], ['minor', 'yellow'], ['low', 'gray']] as const) assert.equal(severityColor(word), color, word);
  assert.equal(severityColor('  missing_data '), 'yellow');
  assert.equal(severityColor('sev-unknown'), undefined);
  assert.equal(severityColor(''), undefined);
});

test('only red alerts alert the room', () => {
  assert.equal(notifiesFor('red'), true);
  for (const color of ['yellow', 'green', 'gray', 'purple'] as const) assert.equal(notifiesFor(color), false);
});
