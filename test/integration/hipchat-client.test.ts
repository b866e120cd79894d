import assert from 'node:assert/strict';
import axios from 'axios';
import { after, before, describe, test } from 'node:test';
import { HipChatClient } from '../../lib/hipchat/client';
import { HipChatApiError } from '../../lib/hipchat/errors';
import type { Installation } from '../../lib/hipchat/installations';
import { TokenCache } from '../../lib/hipchat/tokens';
import { renderDescriptor } from '../../lib/hipchat/descriptor';
import { startHipChatSim, type HipChatSim } from '../../sim/hipchat/server';
import { startAddon, type RunningAddon } from '../helpers/addon';

let sim: HipChatSim;
let addon: RunningAddon;
let installation: Installation;
const http = axios.create({ timeout: 5000 });
const SCOPES = renderDescriptor('http://addon.test').capabilities.hipchatApiConsumer.scopes;

before(async () => {
  sim = await startHipChatSim();
  addon = await startAddon({ hipchatAllowedHosts: [new URL(sim.baseUrl).host] });
  // Global, so that the token may act on every room of the group.
  const result = await sim.install(addon.descriptorUrl);
  assert.equal(result.status, 204, result.body);
  installation = (await addon.addon.installations.get(result.installation!.oauthId))!;
});
after(async () => {
  await addon.close();
  await sim.close();
});

/** A token cache with a clock the test moves. */
function cacheWithClock() {
  let clock = Date.now();
  const refused: string[] = [];
  const cache = new TokenCache(http, SCOPES, { granted() {}, refused: async (id) => void refused.push(id) }, () => clock);
  return { cache, refused, advance: (ms: number) => (clock += ms) };
}

describe('tokens', () => {
  test('50 concurrent callers share one token fetch', async () => {
    const { cache } = cacheWithClock();
    const client = new HipChatClient(installation, cache, http);
    const before = sim.tokenRequests(installation.oauthId);
    const rooms = await Promise.all(Array.from({ length: 50 }, () => client.getRoom(100)));
    assert.equal(rooms.length, 50);
    assert.ok(rooms.every((r) => r.id === 100));
    assert.equal(sim.tokenRequests(installation.oauthId) - before, 1);
  });

  test('a token is reused until shortly before expires_in, then refreshed', async () => {
    sim.setTokenLifetime(600);
    const { cache, advance } = cacheWithClock();
    const client = new HipChatClient(installation, cache, http);
    const before = sim.tokenRequests(installation.oauthId);
    await client.getRoom(100);
    advance(500_000);
    await client.getRoom(100);
    assert.equal(sim.tokenRequests(installation.oauthId) - before, 1, 'still fresh at 500 s of 600');
    advance(60_000);
    await client.getRoom(100);
    assert.equal(sim.tokenRequests(installation.oauthId) - before, 2, 'refreshed within a minute of expiry');
  });

  test('a 401 drops the token and retries once with a new one', async () => {
    const { cache } = cacheWithClock();
    const client = new HipChatClient(installation, cache, http);
    await client.getRoom(100);
    const before = sim.tokenRequests(installation.oauthId);
    sim.invalidateTokens(installation.oauthId);
    const room = await client.getRoom(100);
    assert.equal(room.id, 100);
    assert.equal(sim.tokenRequests(installation.oauthId) - before, 1);
  });

  test('only one retry: a second 401 is reported', async () => {
    const { cache } = cacheWithClock();
    const client = new HipChatClient(installation, cache, http);
    const before = sim.tokenRequests(installation.oauthId);
    sim.faults.failNext(2, 401);
    await assert.rejects(client.getRoom(100), (err: unknown) => err instanceof HipChatApiError && err.code === 'unauthorized');
    assert.equal(sim.tokenRequests(installation.oauthId) - before, 2, 'first fetch and one refetch');
    sim.faults.failNext(0, 401);
  });
});

describe('REST calls', () => {
  test('room notification with a card reaches the room', async () => {
    const client = new HipChatClient(installation, cacheWithClock().cache, http);
    await client.sendNotification(100, {
      message: 'Bob Smith accepted',
      message_format: 'text',
      color: 'green',
      notify: true,
      from: 'xMatters',
      card: { style: 'application', id: 'invite-1', title: 'Invite accepted', description: { value: 'on my way', format: 'text' } },
    });
    const last = sim.notifications(100).at(-1);
    assert.equal(last?.message, 'Bob Smith accepted');
    assert.equal(last?.color, 'green');
    assert.equal(last?.card?.title, 'Invite accepted');
  });

  test('user by id, email and @mention; room; invite', async () => {
    const client = new HipChatClient(installation, cacheWithClock().cache, http);
    const byId = await client.getUser(2);
    assert.equal(byId.mention_name, 'bsmith');
    assert.equal((await client.getUser(byId.email!)).id, 2);
    assert.equal((await client.getUser('@bsmith')).id, 2);
    const room = await client.getRoom(101);
    assert.equal(room.privacy, 'private');
    assert.deepEqual(await client.getRoomMemberIds(101), [1], 'the private room has its owner only');
    await client.inviteUser(101, 2, 'Accepted an xMatters invite');
    assert.deepEqual((await client.getRoomMemberIds(101)).sort(), [1, 2]);
    await assert.rejects(client.getUser('@nobody'), (err: unknown) => err instanceof HipChatApiError && err.code === 'not_found');
  });

  test('429 comes back typed with Retry-After', async () => {
    const client = new HipChatClient(installation, cacheWithClock().cache, http);
    sim.faults.failNext(1, 429, { retryAfter: 7 });
    await assert.rejects(client.sendNotification(100, { message: 'x' }), (err: unknown) => {
      return err instanceof HipChatApiError && err.code === 'rate_limited' && err.retryAfterSeconds === 7 && err.retryable;
    });
  });

  test('5xx is a retryable server error', async () => {
    const client = new HipChatClient(installation, cacheWithClock().cache, http);
    sim.faults.failNext(1, 503);
    await assert.rejects(client.getRoom(100), (err: unknown) => err instanceof HipChatApiError && err.code === 'server_error' && err.retryable);
  });

  test('every call has a timeout', async () => {
    const slow = axios.create({ timeout: 200 });
    const client = new HipChatClient(installation, new TokenCache(slow, SCOPES, { granted() {}, refused: async () => {} }), slow);
    await client.getRoom(100);
    sim.faults.latencyMs = 1000;
    try {
      await assert.rejects(client.getRoom(100), (err: unknown) => err instanceof HipChatApiError && err.code === 'network');
    } finally {
      sim.faults.latencyMs = 0;
    }
  });
});
