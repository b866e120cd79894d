import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startHipChatSim, type HipChatSim } from '../../sim/hipchat/server';
import { startXMattersSim, type XMattersSim } from '../../sim/xmatters/server';
import { waitFor } from '../helpers/wait';
import { AUTH } from './xmatters-sim-support';

// The simulators' random failures over real HTTP, switched on through POST /_sim/faults: each kind
// looks to a client as the real outage would, and a call held past the client's timeout is still done.

let hipchat: HipChatSim;
let xmatters: XMattersSim;
before(async () => {
  hipchat = await startHipChatSim();
  xmatters = await startXMattersSim({ people: 20, groups: 2 });
});
after(async () => {
  await hipchat.close();
  await xmatters.close();
});

async function setFaults(baseUrl: string, body: unknown): Promise<Response> {
  return fetch(`${baseUrl}/_sim/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

const trigger = (inviteId: string, signal?: AbortSignal) =>
  fetch(xmatters.inviteUrl, {
    method: 'POST',
    headers: { Authorization: AUTH, 'Content-Type': 'application/json' },
    body: JSON.stringify({ properties: { invite_id: inviteId, room_name: 'Ops', description: 'DB down' }, recipients: [{ id: 'bsmith', recipientType: 'PERSON' }] }),
    ...(signal ? { signal } : {}),
  });

describe('HipChat simulator: random failures', () => {
  after(() => hipchat.faults.random(null));

  it('answers 5xx with HipChat’s error body', async () => {
    const res = await setFaults(hipchat.baseUrl, { random: { rate: 1, seed: 1, kinds: ['5xx'] } });
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { random: { rate: number } }).random.rate, 1);
    const answer = await fetch(hipchat.capabilitiesUrl);
    assert.ok([500, 502, 503].includes(answer.status), String(answer.status));
    assert.equal(((await answer.json()) as { error: { code: number } }).error.code, answer.status);
  });

  it('answers 429 with Retry-After', async () => {
    await setFaults(hipchat.baseUrl, { random: { rate: 1, seed: 1, kinds: ['429'], retryAfterSeconds: 2 } });
    const answer = await fetch(hipchat.capabilitiesUrl);
    assert.equal(answer.status, 429);
    assert.equal(answer.headers.get('retry-after'), '2');
  });

  it('resets the connection', async () => {
    await setFaults(hipchat.baseUrl, { random: { rate: 1, seed: 1, kinds: ['reset'] } });
    await assert.rejects(fetch(hipchat.capabilitiesUrl), /fetch failed/);
  });

  it('holds a call past the client’s timeout, then answers it', async () => {
    await setFaults(hipchat.baseUrl, { random: { rate: 1, seed: 1, kinds: ['timeout'], hangMs: 300 } });
    await assert.rejects(fetch(hipchat.capabilitiesUrl, { signal: AbortSignal.timeout(50) }), /TimeoutError|aborted/);
    const waited = await fetch(hipchat.capabilitiesUrl);
    assert.equal(waited.status, 200, 'answered after the hang');
  });

  it('fails no call at rate 0 and stops on null; bad switches are refused and change nothing', async () => {
    await setFaults(hipchat.baseUrl, { random: { rate: 0, seed: 1 } });
    for (let i = 0; i < 20; i++) assert.equal((await fetch(hipchat.capabilitiesUrl)).status, 200);
    const before = (await (await fetch(`${hipchat.baseUrl}/_sim/faults`)).json()) as { random: unknown };
    for (const random of [{ rate: 2 }, { rate: 0.2, kinds: ['teapot'] }, { rate: 0.2, extra: 1 }]) {
      assert.equal((await setFaults(hipchat.baseUrl, { random })).status, 400, JSON.stringify(random));
    }
    assert.deepEqual((await (await fetch(`${hipchat.baseUrl}/_sim/faults`)).json()) as { random: unknown }, before);
    await setFaults(hipchat.baseUrl, { random: null });
    assert.equal(hipchat.faults.snapshot().random, null);
  });
});

describe('xMatters simulator: random failures', () => {
  after(() => xmatters.faults.random(null));

  it('answers 5xx and 429 with Retry-After, and creates no event for them', async () => {
    await setFaults(xmatters.baseUrl, { random: { rate: 1, seed: 5, kinds: ['5xx', '429'], retryAfterSeconds: 4 } });
    const before = xmatters.triggers.length;
    const statuses = new Set<number>();
    for (let i = 0; i < 30; i++) {
      const res = await trigger(`inv-refused-${i}`);
      statuses.add(res.status);
      if (res.status === 429) assert.equal(res.headers.get('retry-after'), '4');
    }
    assert.ok(statuses.has(429) && [...statuses].some((s) => s >= 500), [...statuses].join(','));
    assert.equal(xmatters.triggers.length, before, 'no trigger taken');
  });

  it('resets the connection without taking the trigger', async () => {
    await setFaults(xmatters.baseUrl, { random: { rate: 1, seed: 5, kinds: ['reset'] } });
    const before = xmatters.triggers.length;
    await assert.rejects(trigger('inv-reset'), /fetch failed/);
    assert.equal(xmatters.triggers.length, before);
  });

  it('takes a trigger held past the client’s timeout: the event exists although the client saw no answer', async () => {
    await setFaults(xmatters.baseUrl, { random: { rate: 1, seed: 5, kinds: ['timeout'], hangMs: 300 } });
    await assert.rejects(trigger('inv-timed-out', AbortSignal.timeout(50)), /TimeoutError|aborted/);
    xmatters.faults.random(null);
    await waitFor(() => xmatters.events.some((e) => e.properties.invite_id === 'inv-timed-out'), 'the held trigger became an event');
  });

  it('fails about a fifth of calls at rate 0.2, the same ones for the same seed', async () => {
    const run = async () => {
      await setFaults(xmatters.baseUrl, { random: { rate: 0.2, seed: 9, kinds: ['5xx', '429'] } });
      const outcomes: number[] = [];
      for (let i = 0; i < 100; i++) outcomes.push((await fetch(`${xmatters.baseUrl}/api/xm/1/people?limit=1`, { headers: { Authorization: AUTH } })).status);
      return outcomes;
    };
    const first = await run();
    const failed = first.filter((s) => s !== 200).length;
    assert.ok(failed >= 10 && failed <= 30, `${failed} of 100 failed`);
    assert.deepEqual(await run(), first);
  });
});
