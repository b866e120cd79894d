import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ALERT_SAMPLES } from '../../../lib/alerts/samples';

const samplesFor = (kind: string) => ALERT_SAMPLES.filter((sample) => sample.kind === kind);
import { ALERT_KINDS } from '../../../lib/alerts/settings';
import { alertPayload } from '../../helpers/alerts';

test('each test-event sample is a copy of the vendor fixture it names', () => {
  for (const sample of ALERT_SAMPLES) assert.deepEqual(sample.payload, alertPayload(sample.fixture), sample.name);
});

test('every kind has samples; Soda Cloud has one per documented event type, as its own testing tool does', () => {
  for (const kind of ALERT_KINDS) assert.ok(samplesFor(kind).length >= 2, kind);
  const events = new Set(samplesFor('soda').map((s) => (s.payload as { event: string }).event));
  assert.deepEqual([...events].sort(), ['checkEvaluation', 'contractPublished', 'incidentCreated', 'incidentUpdated', 'validate']);
  const names = ALERT_SAMPLES.map((s) => `${s.kind}/${s.name}`);
  assert.equal(new Set(names).size, names.length, 'sample names are unique per kind');
});
