import assert from 'node:assert/strict';
import { test } from 'node:test';
import { markSeen } from '../../lib/store/invites';
import { SeenEventBatch } from '../../lib/store/seen-batch';
import { saveTestInstallation, useFreshStore } from '../helpers/store';

const INSTALLATION = 'inst-seen-batch';
const store = useFreshStore((db) => saveTestInstallation(db, INSTALLATION));

const stored = async (prefix: string) => (await store.db('seen_events').where('event_key', 'like', `${prefix}%`)).map((r) => String(r.event_key)).sort();

test('keys marked at the same time are each fresh once, and stored', async () => {
  const batch = new SeenEventBatch(store.db);
  const keys = Array.from({ length: 300 }, (_, i) => `msg:a-${String(i).padStart(3, '0')}`);
  const fresh = await Promise.all(keys.map((k) => batch.mark(INSTALLATION, k)));
  assert.ok(fresh.every(Boolean));
  assert.deepEqual(await stored('msg:a-'), keys);
});

test('the same key twice at once, or again later, or seen by markSeen before: fresh only the first time', async () => {
  const batch = new SeenEventBatch(store.db);
  assert.equal(await markSeen(store.db, INSTALLATION, 'msg:b-seen'), true);
  const [first, second, known] = await Promise.all([batch.mark(INSTALLATION, 'msg:b-1'), batch.mark(INSTALLATION, 'msg:b-1'), batch.mark(INSTALLATION, 'msg:b-seen')]);
  assert.deepEqual([first, second, known], [true, false, false]);
  assert.equal(await batch.mark(INSTALLATION, 'msg:b-1'), false);
  assert.deepEqual(await stored('msg:b-'), ['msg:b-1', 'msg:b-seen']);
});

test('a key that cannot be stored fails alone: the others of its batch are stored', async () => {
  const batch = new SeenEventBatch(store.db);
  const results = await Promise.allSettled([batch.mark(INSTALLATION, 'msg:c-1'), batch.mark('no-such-installation', 'msg:c-2'), batch.mark(INSTALLATION, 'msg:c-3')]);
  assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
  assert.deepEqual(await stored('msg:c-'), ['msg:c-1', 'msg:c-3']);
});
