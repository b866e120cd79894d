import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startHipChatSim, type HipChatSim } from '../../sim/hipchat/server';
import { waitFor } from '../helpers/wait';
import { addonToken, api, errorOf, installProbe, startProbe, type Probe } from './sim-hipchat-probe';

let sim: HipChatSim;
let probe: Probe;
let admin: string;

before(async () => {
  sim = await startHipChatSim();
  probe = await startProbe();
  admin = sim.createPersonalToken(1, 'everything', ['view_group', 'view_room', 'view_messages', 'send_message', 'send_notification', 'admin_room']).token;
});

after(async () => {
  await sim.close();
  await probe.close();
});

const json = async (res: globalThis.Response) => {
  assert.equal(res.status, 200, await res.clone().text());
  return (await res.json()) as any;
};

/** Follows `links.next` from `first` as HypChat's `Collection.contents()` does; bounded. */
async function collect(first: string, token: string) {
  const items: any[] = [];
  let next: string | undefined = first;
  for (let pages = 0; next && pages < 20; pages++) {
    const body: any = await json(await fetch(next, { headers: { Authorization: `Bearer ${token}` } }));
    items.push(...body.items);
    next = body.links.next;
  }
  assert.equal(next, undefined, 'paging ends');
  return items;
}

test('GET user: guests and deleted users only when asked, HipChat’s envelope and links.next paging', async () => {
  const all = await json(await api(sim, '/user', admin));
  assert.deepEqual(all.items.map((user: any) => user.id), [1, 2, 3, 4]);
  assert.deepEqual(Object.keys(all.items[0]).sort(), ['id', 'links', 'mention_name', 'name', 'version']);
  assert.equal(all.items[0].links.self, `${sim.apiUrl}/user/1`);
  assert.deepEqual({ startIndex: all.startIndex, maxResults: all.maxResults, links: all.links }, { startIndex: 0, maxResults: 100, links: { self: `${sim.apiUrl}/user` } });

  const withGuests = await collect(`${sim.apiUrl}/user?include-guests=true&max-results=2`, admin);
  assert.deepEqual(withGuests.map((user) => user.id), [1, 2, 3, 4, 5]);

  const second = await json(await api(sim, '/user?start-index=2&max-results=2&include-guests=true', admin));
  assert.deepEqual(second.items.map((user: any) => user.id), [3, 4]);
  assert.equal(new URL(second.links.prev).searchParams.get('start-index'), '0');
  assert.equal(new URL(second.links.next).searchParams.get('include-guests'), 'true');

  for (const query of ['max-results=1001', 'start-index=-1', 'include-guests=maybe']) {
    const bad = await api(sim, `/user?${query}`, admin);
    assert.equal(bad.status, 400, query);
    assert.equal((await errorOf(bad)).type, 'Bad Request');
  }
  const narrow = sim.createPersonalToken(2, 'rooms only', ['view_room']).token;
  assert.equal((await errorOf(await api(sim, '/user', narrow))).message, "This action requires one of the following scopes: [u'view_group']");
});

test('GET room: private rooms by default but only the user’s own, archived only when asked, a room installation sees its room', async () => {
  const { roomId: archivedId } = await sim.createRoom({ name: 'Old project', ownerId: 1 });
  await sim.archiveRoom(archivedId, 1);
  const rooms = await json(await api(sim, '/room', admin));
  assert.deepEqual(rooms.items.map((room: any) => room.id), [100, 101, 102]);
  assert.deepEqual(rooms.items[1], {
    id: 101,
    name: 'Incident 42',
    privacy: 'private',
    is_archived: false,
    version: rooms.items[1].version,
    links: { self: `${sim.apiUrl}/room/101`, members: `${sim.apiUrl}/room/101/member`, participants: `${sim.apiUrl}/room/101/participant`, webhooks: `${sim.apiUrl}/room/101/webhook` },
  });
  assert.deepEqual((await json(await api(sim, '/room?include-private=false', admin))).items.map((room: any) => room.id), [100, 102]);
  assert.deepEqual((await json(await api(sim, '/room?include-archived=true', admin))).items.map((room: any) => room.id), [100, 101, 102, archivedId]);

  const bob = sim.createPersonalToken(2, 'bob', ['view_group']).token;
  assert.deepEqual((await json(await api(sim, '/room', bob))).items.map((room: any) => room.id), [100, 102]);

  const roomInstall = await installProbe(sim, probe, {}, { roomId: 102 });
  const roomToken = await addonToken(sim, roomInstall);
  assert.deepEqual((await json(await api(sim, '/room', roomToken))).items.map((room: any) => room.id), [102]);
  const other = await api(sim, '/room/100', roomToken);
  assert.equal(other.status, 403);
  assert.match((await errorOf(other)).message, /limited to room 102/);
  sim.revoke(roomInstall.oauthId);
  await sim.unarchiveRoom(archivedId, 1);
  await sim.deleteRoom(archivedId, 1);
});

test('GET room/{id}/history: messages and notifications, recent oldest first, reverse, date/end-date paging, timezone', async () => {
  const { roomId } = await sim.createRoom({ name: 'History', ownerId: 1 });
  const integration = sim.createRoomIntegration(roomId, 'Alerts');
  const posted: string[] = [];
  for (let i = 1; i <= 5; i++) {
    posted.push((await sim.sendMessage(roomId, 2, `message ${i} for @cjones`)).messageId);
    const res = await fetch(integration.url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ message: `alert ${i}`, color: 'red', from: i === 1 ? 'Sumo' : '' }) });
    assert.equal(res.status, 204);
  }
  const recent = await json(await api(sim, `/room/${roomId}/history`, admin));
  assert.deepEqual(recent.items.map((item: any) => item.message), ['message 1 for @cjones', 'alert 1', 'message 2 for @cjones', 'alert 2', 'message 3 for @cjones', 'alert 3', 'message 4 for @cjones', 'alert 4', 'message 5 for @cjones', 'alert 5']);
  const [message, notification] = recent.items;
  assert.equal(message.id, posted[0]);
  assert.equal(message.type, 'message');
  assert.deepEqual({ ...message.from, version: undefined }, { id: 2, name: 'Bob Smith', mention_name: 'bsmith', links: { self: `${sim.apiUrl}/user/2` }, version: undefined });
  assert.deepEqual(message.mentions.map((user: any) => user.id), [3]);
  assert.match(message.date, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$/);
  assert.deepEqual({ ...notification, id: undefined, date: undefined }, { id: undefined, date: undefined, from: 'Sumo', color: 'red', message_format: 'html', message: 'alert 1', mentions: [], type: 'notification' });
  assert.equal(recent.items[3].from, 'Alerts', 'a notification without a from label shows its sender');
  assert.deepEqual(recent.links, { self: `${sim.apiUrl}/room/${roomId}/history` });

  const newestFirst = await json(await api(sim, `/room/${roomId}/history?reverse=false`, admin));
  assert.equal(newestFirst.items[0].message, 'alert 5');

  const future = new Date(Date.now() + 3_600_000).toISOString();
  const pageUrl = `${sim.apiUrl}/room/${roomId}/history?date=${encodeURIComponent(future)}&reverse=false&max-results=4`;
  const firstPage = await json(await fetch(pageUrl, { headers: { Authorization: `Bearer ${admin}` } }));
  assert.deepEqual(firstPage.items.map((item: any) => item.message), ['alert 5', 'message 5 for @cjones', 'alert 4', 'message 4 for @cjones']);
  assert.equal(new URL(firstPage.links.next).searchParams.get('date'), future);
  const paged = await collect(pageUrl, admin);
  assert.equal(paged.length, 10);
  assert.equal(paged.at(-1).message, 'message 1 for @cjones');

  assert.deepEqual((await json(await api(sim, `/room/${roomId}/history?date=2000-01-01`, admin))).items, []);
  const since = recent.items[6].date;
  const windowed = await json(await api(sim, `/room/${roomId}/history?date=${encodeURIComponent(future)}&end-date=${encodeURIComponent(since)}`, admin));
  const expected = recent.items.filter((item: any) => item.date >= since).map((item: any) => item.message);
  assert.deepEqual(windowed.items.map((item: any) => item.message), expected);
  assert.ok(expected.includes('message 4 for @cjones') && expected.length < 10);

  const berlin = await json(await api(sim, `/room/${roomId}/history?timezone=Europe/Berlin`, admin));
  const utc = Date.parse(recent.items[0].date.replace(/(\.\d{3})\d{3}/, '$1'));
  assert.match(berlin.items[0].date, /\+0[12]:00$/);
  assert.equal(Date.parse(berlin.items[0].date.replace(/(\.\d{3})\d{3}/, '$1')), utc, 'the same instant, shown in Berlin');

  for (const [query, problem] of [
    ['timezone=Mars/Olympus', /timezone must be a supported time zone/],
    ['date=yesterday', /date must be 'recent' or an ISO-8601 date/],
    ['date=2017-01-01&end-date=soon', /end-date must be 'null' or an ISO-8601 date/],
    ['reverse=sideways', /reverse must be true or false/],
  ] as const) {
    const bad = await api(sim, `/room/${roomId}/history?${query}`, admin);
    assert.equal(bad.status, 400, query);
    assert.match((await errorOf(bad)).message, problem);
  }
  const viewer = sim.createPersonalToken(3, 'viewer', ['view_room', 'view_group']).token;
  assert.equal((await errorOf(await api(sim, `/room/${roomId}/history`, viewer))).message, "This action requires one of the following scopes: [u'view_messages']");
  const carol = sim.createPersonalToken(3, 'reader', ['view_messages']).token;
  const privateRoom = await api(sim, '/room/101/history', carol);
  assert.equal(privateRoom.status, 403);
  assert.match((await errorOf(privateRoom)).message, /not a member of the private room 101/);
});

test('GET room/{id}/history/latest: max-results and not-before', async () => {
  const { roomId } = await sim.createRoom({ name: 'Latest', ownerId: 1 });
  const ids: string[] = [];
  for (let i = 1; i <= 6; i++) ids.push((await sim.sendMessage(roomId, 1, `line ${i}`)).messageId);
  const latest = await json(await api(sim, `/room/${roomId}/history/latest?max-results=3`, admin));
  assert.deepEqual(latest.items.map((item: any) => item.message), ['line 4', 'line 5', 'line 6']);
  assert.deepEqual({ maxResults: latest.maxResults, links: latest.links }, { maxResults: 3, links: { self: `${sim.apiUrl}/room/${roomId}/history/latest` } });
  const notBefore = await json(await api(sim, `/room/${roomId}/history/latest?not-before=${ids[1]}`, admin));
  assert.deepEqual(notBefore.items.map((item: any) => item.message), ['line 2', 'line 3', 'line 4', 'line 5', 'line 6']);
  const unknown = await api(sim, `/room/${roomId}/history/latest?not-before=nope`, admin);
  assert.equal(unknown.status, 400);
  assert.match((await errorOf(unknown)).message, /not-before must be the id of a message/);
});

test('POST room/{id}/message: as the token’s user, 201 {id, timestamp}, room_message webhooks fire; add-on tokens refused', async () => {
  const creds = await installProbe(sim, probe, { webhook: [{ event: 'room_message', url: `${probe.url}/hook/message`, pattern: '^deploy' }] }, { scopes: ['send_message', 'view_room'] });
  const bob = sim.createPersonalToken(2, 'bot', ['send_message']).token;
  const before = sim.state.room(102).messages.length;
  const sent = await api(sim, '/room/Random/message', bob, { json: { message: 'deploy finished' } });
  assert.equal(sent.status, 201);
  const body = (await sent.json()) as { id: string; timestamp: string };
  const stored = sim.state.room(102).messages.at(-1);
  assert.deepEqual(stored, { id: body.id, from: { id: 2, name: 'Bob Smith', mention_name: 'bsmith' }, message: 'deploy finished', date: body.timestamp });
  await waitFor(() => probe.received('/hook/message').length === 1, 'the room_message webhook');
  const [hook] = probe.received('/hook/message');
  assert.equal(hook?.body.item.message.id, body.id);
  assert.equal(hook?.body.item.message.from.id, 2);

  const addon = await addonToken(sim, creds, 'send_message');
  const refused = await api(sim, '/room/102/message', addon, { json: { message: 'as the add-on' } });
  assert.equal(refused.status, 403);
  assert.match((await errorOf(refused)).message, /Only a user token/);
  for (const [bodyJson, problem] of [
    [{}, /message is required/],
    [{ message: '' }, /1 to 1000 characters/],
    [{ message: 'x'.repeat(1001) }, /1 to 1000 characters/],
  ] as const) {
    const bad = await api(sim, '/room/102/message', bob, { json: bodyJson });
    assert.equal(bad.status, 400);
    assert.match((await errorOf(bad)).message, problem);
  }
  const noScope = sim.createPersonalToken(2, 'reader', ['view_room']).token;
  assert.equal((await errorOf(await api(sim, '/room/102/message', noScope, { json: { message: 'hi' } }))).message, "This action requires one of the following scopes: [u'send_message']");
  assert.equal((await api(sim, '/room/101/message', bob, { json: { message: 'let me in' } })).status, 403, 'Bob is not a member of Incident 42');
  assert.equal(sim.state.room(102).messages.length, before + 1);
  assert.equal(sim.state.room(101).messages.length, 0);
  sim.revoke(creds.oauthId);
});

test('personal tokens: deleted ones answer 401; a deleted user is listed only with include-deleted and their tokens stop', async () => {
  const { id, token } = sim.createPersonalToken(4, 'temporary', ['view_group']);
  assert.equal((await api(sim, '/user/4', token)).status, 200);
  sim.deletePersonalToken(4, id);
  assert.equal((await errorOf(await api(sim, '/user/4', token))).message, 'Invalid OAuth session');
  assert.throws(() => sim.deletePersonalToken(4, id), /no personal token/);
  assert.throws(() => sim.createPersonalToken(4, 'bad', ['import_data']), /Unknown scope import_data/);

  const dan = sim.createPersonalToken(4, 'still here', ['view_group']).token;
  sim.state.deleteUser(4);
  assert.equal((await errorOf(await api(sim, '/user/1', dan))).message, 'Invalid OAuth session', 'a deleted user’s tokens stop working');
  assert.deepEqual((await json(await api(sim, '/user', admin))).items.map((user: any) => user.id), [1, 2, 3]);
  assert.deepEqual((await json(await api(sim, '/user?include-deleted=true', admin))).items.map((user: any) => user.id), [1, 2, 3, 4]);
  assert.equal((await json(await api(sim, '/user/4', admin))).is_deleted, true);
});
