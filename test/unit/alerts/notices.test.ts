import assert from 'node:assert/strict';
import { test } from 'node:test';
import { alertNotice } from '../../../lib/alerts/notices';
import type { RoomNotice } from '../../../lib/invites/chat';

const base: RoomNotice = { text: 'Disk full on db01', color: 'red', notify: true, from: 'Sumo', card: { id: '', title: 'Disk full', description: 'Disk full on db01', attributes: [] } };

test('a first occurrence is posted as it is, its card named after the alert', () => {
  assert.deepEqual(alertNotice(base, { id: 'a1', occurrences: 1, test: false }), { ...base, card: { ...base.card!, id: 'alert-a1' } });
});

test('repeats say how many, quietly; test events say so', () => {
  const repeat = alertNotice(base, { id: 'a1', occurrences: 3, test: false });
  assert.equal(repeat.text, 'Disk full on db01 (×3)');
  assert.equal(repeat.card?.title, 'Disk full (×3)');
  assert.equal(repeat.notify, false);
  const test1 = alertNotice(base, { id: 'a2', occurrences: 1, test: true });
  assert.equal(test1.text, 'Test event: Disk full on db01');
  assert.equal(test1.card?.title, 'Test event: Disk full');
  assert.equal(test1.notify, true);
});

test('the count survives a message at HipChat’s limit', () => {
  const long = alertNotice({ ...base, text: 'x'.repeat(10_000), card: undefined }, { id: 'a', occurrences: 12, test: true });
  assert.equal(long.text.length, 10_000);
  assert.ok(long.text.startsWith('Test event: x'));
  assert.ok(long.text.endsWith('… (×12)'));
  const html = alertNotice({ ...base, format: 'html', text: `${'x'.repeat(9_992)}<b>bold</b>`, card: undefined }, { id: 'a', occurrences: 2, test: false });
  assert.ok(html.text.endsWith('x… (×2)'), 'no half tag is left');
});
