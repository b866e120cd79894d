import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { bodyWith, BROKEN_UTF8, fieldVariants, JSON_TYPE, RawBytes, tenMbJson, type Field, type Path } from '../helpers/bad-bodies';
import { authorizationHeader, bodyCases, tokenCases, type JsonEndpoint } from '../helpers/bad-endpoints';
import type { Attempt } from '../helpers/raw-http';
import { runCases, Tally, type Case, type Expect } from '../helpers/bad-input';
import { ALICE, pageToken, startBadInputWorld, type BadInputWorld } from '../helpers/bad-world';

/**
 * Every room webhook, as an attacker would send it: forged, misplaced and borrowed tokens, bodies that
 * disagree with their token, and malformed bodies under a genuine HipChat JWT (so the body checks are
 * reached). Bodies are shaped as HipChat sends them (docs/hipchat-connect.md §7).
 */
let w: BadInputWorld;
const tally = new Tally();
const ROOM = 100;
const LIMIT = 64 * 1024;

before(async () => {
  w = await startBadInputWorld();
});
after(async () => {
  console.log(tally.summary('webhooks'));
  await w.world.close();
});

let messages = 0;
/** A webhook body for `event` in room 100 by Alice; room_message carries a new message id each time. */
function body(event: string): Record<string, unknown> {
  const room = { id: ROOM, name: 'Ops War Room' };
  const item: Record<string, unknown> =
    event === 'room_message'
      ? { room, message: { id: `m-${process.pid}-${++messages}`, message: '/oncall help', from: ALICE, type: 'message', mentions: [] } }
      : { room, sender: ALICE };
  return { event, oauth_client_id: w.global.oauthId, webhook_id: 7, item };
}

/** A genuine HipChat JWT; `null` names no room. */
const hipchatToken = (roomId: number | null = ROOM, userId = ALICE.id, oauthId = w.global.oauthId) =>
  w.world.hipchat.signJwt(oauthId, { userId, ...(roomId === null ? {} : { roomId }) });

function post(event: string, payload: string | Buffer, opts: { authorization: string | string[] | null; query?: string; headers?: Record<string, string | string[]> }): Attempt {
  return {
    method: 'POST',
    path: `/webhooks/${event}${opts.query ? `?${opts.query}` : ''}`,
    headers: { ...JSON_TYPE, ...authorizationHeader(opts.authorization), ...opts.headers },
    body: payload,
  };
}

const refused: Expect = { refused: 'json' };
/** What a genuine webhook gets: room_message an answer in the room (and its id remembered), the others a 204. */
const accepted = (event: string): Expect => (event === 'room_message' ? { answered: [200], stores: { seen_events: 1 } } : { answered: [204] });

const person = (prefix: Path, optional = false): Field[] => [
  { path: prefix, kind: 'object', optional },
  { path: [...prefix, 'id'], kind: 'text', alsoTakes: ['number'], max: 100 },
  { path: [...prefix, 'name'], kind: 'text', blankOk: true, anyText: true, max: 255 },
  { path: [...prefix, 'mention_name'], kind: 'text', optional: true, blankOk: true, anyText: true, max: 255 },
];

const FIELDS: Record<string, Field[]> = {
  envelope: [
    { path: ['event'], kind: 'text', max: 100 },
    { path: ['oauth_client_id'], kind: 'text', optional: true, max: 100 },
    { path: ['webhook_id'], kind: 'text', optional: true, blankOk: true, anyText: true, alsoTakes: ['number'], max: 100 },
    { path: ['item'], kind: 'object' },
    { path: ['item', 'room'], kind: 'object' },
    { path: ['item', 'room', 'id'], kind: 'number', alsoTakes: ['numeric text'] },
    { path: ['item', 'room', 'name'], kind: 'text', optional: true, blankOk: true, anyText: true, max: 255 },
  ],
  room_message: [
    { path: ['item', 'message'], kind: 'object' },
    { path: ['item', 'message', 'id'], kind: 'text', max: 100 },
    { path: ['item', 'message', 'message'], kind: 'text', blankOk: true, anyText: true, max: 10_000 },
    ...person(['item', 'message', 'from']),
  ],
  room_enter: person(['item', 'sender']),
  room_exit: person(['item', 'sender']),
  room_archived: person(['item', 'sender'], true),
  room_unarchived: person(['item', 'sender'], true),
  room_deleted: person(['item', 'sender'], true),
};
const EVENTS = ['room_message', 'room_enter', 'room_exit', 'room_archived', 'room_unarchived', 'room_deleted'] as const;
/** Events whose handler writes nothing for Alice in room 100, so a name shown as it is can be checked as harmless. */
const STORES_NOTHING = new Set(['room_message', 'room_enter', 'room_exit']);

for (const event of EVENTS) {
  describe(`POST /webhooks/${event}`, () => {
    test('forged, broken, misplaced and borrowed tokens are refused before the body is read', async () => {
      const kit = {
        oauthId: w.global.oauthId,
        secret: w.global.oauthSecret,
        userId: ALICE.id,
        roomId: ROOM,
        hipchat: hipchatToken(),
        page: await pageToken(w.world, w.global.oauthId, { userId: ALICE.id, roomId: ROOM }),
        acceptsPage: false,
        otherRoom: hipchatToken(102, ALICE.id, w.room.oauthId),
      };
      const cases = tokenCases((authorization, query) => post(event, JSON.stringify(body(event)), { authorization, ...(query ? { query } : {}) }), kit);
      // A refused token with a 10 MB body: answered without reading it.
      cases.push({ name: 'a page token with a 10 MB body', attempt: post(event, tenMbJson(), { authorization: `JWT ${kit.page}` }), expect: { refused: 'json', status: [401] } });
      assert.deepEqual(await runCases(w.probe, tally, refused, cases), []);
    });

    test('a body that disagrees with its token is refused and changes nothing', async () => {
      const token = `JWT ${hipchatToken()}`;
      const withRoom = (roomId: number) => bodyWith(body(event), ['item', 'room', 'id'], roomId);
      const cases: Case[] = [
        { name: 'the body names another room than the token', attempt: post(event, withRoom(102), { authorization: token }), expect: { refused: 'json', status: [403], code: 'wrong_room' } },
        { name: 'a token without a room, on an installation for the whole group', attempt: post(event, JSON.stringify(body(event)), { authorization: `JWT ${hipchatToken(null)}` }), expect: { refused: 'json', status: [403], code: 'wrong_room' } },
        { name: 'oauth_client_id of another installation', attempt: post(event, bodyWith(body(event), ['oauth_client_id'], w.room.oauthId), { authorization: token }), expect: { refused: 'json', status: [400] } },
        { name: 'the envelope names another event than the URL', attempt: post(event, bodyWith(body(event), ['event'], 'room_deleted'), { authorization: token }), expect: { refused: 'json', status: [400] } },
      ];
      if (event === 'room_deleted') cases.pop();
      const sender: Path = event === 'room_message' ? ['item', 'message', 'from', 'id'] : ['item', 'sender', 'id'];
      cases.push(
        { name: 'the body names another sender than the token', attempt: post(event, bodyWith(body(event), sender, 4), { authorization: token }), expect: { refused: 'json', status: [403], code: 'wrong_sender' } },
        { name: 'the sender as text that is not the token user', attempt: post(event, bodyWith(body(event), sender, '1 '), { authorization: token }), expect: { refused: 'json', status: [403], code: 'wrong_sender' } },
      );
      assert.deepEqual(await runCases(w.probe, tally, refused, cases), []);
    });

    test('malformed bodies under a genuine JWT', async () => {
      const ep: JsonEndpoint = { method: 'POST', path: `/webhooks/${event}`, limit: LIMIT, valid: () => body(event), authorization: () => `JWT ${hipchatToken()}`, fields: [] };
      assert.deepEqual(await runCases(w.probe, tally, refused, bodyCases(ep, { mediaType415: true })), []);
    });

    test('every field: wrong types, missing, empty, control characters, lone surrogates, broken UTF-8, too long', async () => {
      const cases: Case[] = [];
      for (const field of [...FIELDS.envelope!, ...FIELDS[event]!]) {
        const variants = [...fieldVariants(field, LIMIT - 2000), ...(field.kind === 'text' && !field.anyText ? BROKEN_UTF8 : [])];
        for (const { name, value } of variants) {
          cases.push({ name: `${field.path.join('.')}: ${name}`, attempt: post(event, bodyWith(body(event), field.path, value), { authorization: `JWT ${hipchatToken()}` }), expect: { refused: 'json', status: [400, 403] } });
        }
        // A name HipChat shows as it is may hold anything; it is only never trusted.
        if (field.anyText && STORES_NOTHING.has(event)) {
          // The message stays a command, so that it is answered.
          const prefix = field.path.join('.') === 'item.message.message' ? '/oncall help ' : '';
          for (const text of ['ab\u0000cd', '\u001b[31mred', 'ab\ud800cd', '<script>alert(1)</script>']) {
            cases.push({ name: `${field.path.join('.')}: ${JSON.stringify(text)} is taken as text`, attempt: post(event, bodyWith(body(event), field.path, prefix + text), { authorization: `JWT ${hipchatToken()}` }), expect: accepted(event) });
          }
        }
      }
      assert.deepEqual(await runCases(w.probe, tally, refused, cases), []);
    });
  });
}

describe('/oncall commands with broken text', () => {
  test('are answered in the room that the command is broken; nothing is looked up or invited', async () => {
    const commands: Array<[string, string | RawBytes]> = [
      ['a lone surrogate in the name', '/oncall invite \ud800bob Please join'],
      ['a NUL in the description', '/oncall invite bsmith Please\u0000 join'],
      ['an ANSI escape in the name', '/oncall invite \u001b[31mbsmith Please join'],
      ['overlong UTF-8 in the name', new RawBytes(Buffer.from([...Buffer.from('/oncall invite bs'), 0xc0, 0xaf, ...Buffer.from('mith Please join')]))],
    ];
    // The message is remembered (so a redelivery is not answered twice), and that is all.
    const cases: Case[] = commands.map(([name, text]) => ({
      name,
      attempt: post('room_message', bodyWith(body('room_message'), ['item', 'message', 'message'], text), { authorization: `JWT ${hipchatToken()}` }),
      expect: { answered: [200], stores: { seen_events: 1 } },
    }));
    assert.deepEqual(await runCases(w.probe, tally, refused, cases), []);
  });
});

describe('webhook paths and headers', () => {
  test('unknown events, odd paths and bad headers', async () => {
    const token = `JWT ${hipchatToken()}`;
    const valid = JSON.stringify(body('room_enter'));
    const cases: Case[] = [
      { name: 'an event the add-on never registered', attempt: post('room_topic_change', bodyWith(body('room_enter'), ['event'], 'room_topic_change'), { authorization: token }), expect: { answered: [204] } },
      { name: 'no event', attempt: post('', valid, { authorization: token }), expect: { refused: 'json', status: [404] } },
      { name: 'an event with a NUL', attempt: post('room%00enter', valid, { authorization: token }), expect: { refused: 'json', status: [400] } },
      { name: 'a broken percent escape in the event', attempt: post('room_%ZZ', valid, { authorization: token }), expect: { refused: 'json', status: [400, 404] } },
      { name: 'overlong UTF-8 in the event', attempt: post('room_%C0%AFenter', valid, { authorization: token }), expect: { refused: 'json', status: [400, 404] } },
      { name: 'a path below the event', attempt: post('room_enter/extra', valid, { authorization: token }), expect: { refused: 'json', status: [404] } },
      { name: 'a dot-dot path', attempt: post('..%2Finstallable', valid, { authorization: token }), expect: { refused: 'json', status: [400, 404] } },
      { name: 'an event of 10,000 characters', attempt: post('e'.repeat(10_000), valid, { authorization: token }), expect: { refused: 'json', status: [400] } },
      { name: 'GET instead of POST', attempt: { method: 'GET', path: '/webhooks/room_enter', headers: { Authorization: token } }, expect: { refused: 'json', status: [404] } },
      { name: 'PUT instead of POST', attempt: { method: 'PUT', path: '/webhooks/room_enter', headers: { ...JSON_TYPE, Authorization: token }, body: valid }, expect: { refused: 'json', status: [404] } },
      { name: 'array and object query parameters are ignored', attempt: post('room_enter', valid, { authorization: token, query: 'q[]=a&q[a]=b&q=1&q=2' }), expect: { answered: [204] } },
      { name: 'a genuine token first, a broken one second', attempt: post('room_enter', '{', { authorization: [token, 'JWT broken'] }), expect: { refused: 'json', status: [400] } },
      { name: 'an 8 KB X-Request-Id', attempt: post('room_enter', '{', { authorization: token, headers: { 'X-Request-Id': 'r'.repeat(8192) } }), expect: { refused: 'json', status: [400] } },
      { name: 'a 12 KB header the add-on does not read', attempt: post('room_enter', '{', { authorization: token, headers: { 'X-Padding': 'p'.repeat(12 * 1024) } }), expect: { refused: 'json', status: [400] } },
      { name: 'a header block over 16 KB', attempt: post('room_enter', valid, { authorization: token, headers: { 'X-Padding': 'p'.repeat(20 * 1024) } }), expect: { refused: 'json', status: [431] } },
    ];
    assert.deepEqual(await runCases(w.probe, tally, refused, cases), []);
  });

  test('the table did not shrink', () => {
    assert.ok(tally.cases >= 1500, `only ${tally.cases} cases ran`);
    assert.equal(tally.serverErrors, 0);
  });
});
