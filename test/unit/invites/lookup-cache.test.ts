import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LookupCache, lookupKey, normalizeQuery } from '../../../lib/invites/lookup-cache';

function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

function counting<T>(value: T) {
  let calls = 0;
  return {
    load: async () => {
      calls += 1;
      return value;
    },
    calls: () => calls,
  };
}

describe('LookupCache', () => {
  test('serves a value until its time is up, then loads again', async () => {
    const time = clock();
    const cache = new LookupCache<string[]>({ ttlMs: 30_000, maxEntries: 10, now: time.now });
    const source = counting(['bsmith']);
    assert.deepEqual(await cache.get('k', source.load), ['bsmith']);
    time.advance(29_999);
    await cache.get('k', source.load);
    assert.equal(source.calls(), 1);
    time.advance(1);
    await cache.get('k', source.load);
    assert.equal(source.calls(), 2);
  });

  test('concurrent callers of one key share one load', async () => {
    const cache = new LookupCache<number>({ ttlMs: 1000, maxEntries: 10 });
    let release!: (value: number) => void;
    let calls = 0;
    const load = () => {
      calls += 1;
      return new Promise<number>((resolve) => (release = resolve));
    };
    const both = Promise.all([cache.get('k', load), cache.get('k', load)]);
    release(7);
    assert.deepEqual(await both, [7, 7]);
    assert.equal(calls, 1);
  });

  test('a failed load is not kept: the next caller loads again', async () => {
    const cache = new LookupCache<number>({ ttlMs: 30_000, maxEntries: 10 });
    await assert.rejects(cache.get('k', () => Promise.reject(new Error('xMatters down'))), /xMatters down/);
    assert.equal(await cache.get('k', async () => 5), 5);
  });

  test('holds at most maxEntries, dropping the oldest first', async () => {
    const cache = new LookupCache<number>({ ttlMs: 30_000, maxEntries: 3 });
    for (const key of ['a', 'b', 'c', 'd']) await cache.get(key, async () => 1);
    assert.equal(cache.size, 3);
    const source = counting(2);
    await cache.get('a', source.load);
    assert.equal(source.calls(), 1, '"a" was evicted');
    await cache.get('d', source.load);
    assert.equal(source.calls(), 1, '"d" is still there');
  });

  test('expired entries are dropped as new ones come in', async () => {
    const time = clock();
    const timed = new LookupCache<number>({ ttlMs: 1000, maxEntries: 100, now: time.now });
    for (const key of ['a', 'b', 'c']) await timed.get(key, async () => 1);
    time.advance(1000);
    await timed.get('d', async () => 1);
    assert.equal(timed.size, 1);
  });
});

describe('lookupKey', () => {
  test('the same query in another case or spacing is the same lookup', () => {
    assert.equal(lookupKey('inst', 'https://acme.xmatters.com/api/xm/1', '  Mary   McBride '), lookupKey('inst', 'https://acme.xmatters.com/api/xm/1', 'mary mcbride'));
    assert.equal(normalizeQuery(' Data\tBase '), 'data base');
  });

  test('another installation or another xMatters host is another lookup', () => {
    const key = lookupKey('inst', 'https://acme.xmatters.com/api/xm/1', 'bob');
    assert.notEqual(lookupKey('other', 'https://acme.xmatters.com/api/xm/1', 'bob'), key);
    assert.notEqual(lookupKey('inst', 'https://evil.xmatters.com/api/xm/1', 'bob'), key);
  });

  test('parts cannot run into each other', () => {
    assert.notEqual(lookupKey('a', 'b c', 'd'), lookupKey('a', 'b', 'c d'));
  });
});
