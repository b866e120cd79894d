import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FAILURE_KINDS, RandomFailures } from '../../../sim/random-failures';

// The simulators' seeded random failures (sim/random-failures.ts): reproducible, at the asked rate,
// only of the asked kinds.

const draws = (failures: RandomFailures, n: number) => Array.from({ length: n }, () => failures.draw());

describe('RandomFailures', () => {
  it('draws the same failures for the same seed, and others for another seed', () => {
    const a = draws(new RandomFailures({ rate: 0.2, seed: 7 }), 500);
    const b = draws(new RandomFailures({ rate: 0.2, seed: 7 }), 500);
    const c = draws(new RandomFailures({ rate: 0.2, seed: 8 }), 500);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
  });

  it('fails about the asked share of calls, with every kind among them', () => {
    const failures = new RandomFailures({ rate: 0.2, seed: 1 });
    const drawn = draws(failures, 10_000).filter((f) => f !== undefined);
    assert.ok(drawn.length > 1800 && drawn.length < 2200, `${drawn.length} of 10000 failed`);
    for (const kind of FAILURE_KINDS) {
      const count = drawn.filter((f) => f.kind === kind).length;
      assert.ok(count > 400 && count < 600, `${count} ${kind}`);
      assert.equal(failures.counts[kind], count, `${kind} counted`);
    }
    assert.equal(failures.counts.calls, 10_000);
  });

  it('never fails at rate 0 and always at rate 1', () => {
    assert.ok(draws(new RandomFailures({ rate: 0, seed: 3 }), 1000).every((f) => f === undefined));
    assert.ok(draws(new RandomFailures({ rate: 1, seed: 3 }), 1000).every((f) => f !== undefined));
  });

  it('gives only the asked kinds, with their parameters', () => {
    const failures = new RandomFailures({ rate: 1, seed: 2, kinds: ['429', 'timeout'], hangMs: 1234, retryAfterSeconds: 3 });
    const drawn = draws(failures, 200);
    assert.ok(drawn.every((f) => f?.kind === '429' || f?.kind === 'timeout'));
    assert.ok(drawn.some((f) => f?.kind === '429') && drawn.some((f) => f?.kind === 'timeout'));
    for (const f of drawn) {
      if (f?.kind === '429') assert.deepEqual(f, { kind: '429', status: 429, retryAfter: 3 });
      if (f?.kind === 'timeout') assert.deepEqual(f, { kind: 'timeout', hangMs: 1234 });
    }
  });

  it('picks 500, 502 and 503 for server errors', () => {
    const statuses = new Set(draws(new RandomFailures({ rate: 1, seed: 4, kinds: ['5xx'] }), 300).map((f) => (f?.kind === '5xx' ? f.status : 0)));
    assert.deepEqual([...statuses].sort(), [500, 502, 503]);
  });

  it('refuses a rate outside 0..1 and an unknown kind', () => {
    assert.throws(() => new RandomFailures({ rate: 1.5 }));
    assert.throws(() => new RandomFailures({ rate: 0.1, kinds: ['teapot' as never] }));
    assert.throws(() => new RandomFailures({ rate: 0.1, kinds: [] }));
  });
});
