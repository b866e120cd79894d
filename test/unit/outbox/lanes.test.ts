import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lanesOf } from '../../../lib/outbox/lanes';
import type { Job } from '../../../lib/store/jobs';

const job = (id: number, roomId: number | null, installationId = 'a'): Job => ({
  id, kind: 'room.notice', installationId, roomId, payload: {}, dedupeKey: null, state: 'running', attempts: 1, maxAttempts: 10,
  abandonedRuns: 0, runAt: 0, leaseUntil: 0, lastError: null, createdAt: 0, updatedAt: 0,
});

test('one lane per installation and room, in id order; jobs without a room each on their own', () => {
  const lanes = lanesOf([job(5, 100), job(2, 100), job(3, 101), job(4, null), job(6, 100, 'b'), job(1, null)]);
  assert.deepEqual(
    lanes.map((lane) => lane.map((j) => j.id)),
    [[1], [2, 5], [3], [4], [6]],
  );
});

test('an empty claim has no lanes', () => {
  assert.deepEqual(lanesOf([]), []);
});
