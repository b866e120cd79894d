import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { createInvite } from '../../lib/invites/service';
import { bodyWith, JSON_TYPE, MISSING, tenMbJson, type Field } from '../helpers/bad-bodies';
import { bodyCases, fieldCases, type JsonEndpoint } from '../helpers/bad-endpoints';
import { runCases, Tally, type Case, type Expect } from '../helpers/bad-input';
import { send, type Attempt } from '../helpers/raw-http';
import { startBadInputWorld, type BadInputWorld } from '../helpers/bad-world';

/**
 * xMatters callbacks as an attacker would send them: wrong, malformed and borrowed credentials, and
 * malformed payloads under the installation's real callback credentials, about a real invite (so the
 * payload checks are reached). Payloads start from the documented fixtures (test/fixtures/xmatters).
 */
const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../fixtures/xmatters/${name}.json`, import.meta.url), 'utf8')).payload as Record<string, unknown>;

let w: BadInputWorld;
const tally = new Tally();
const LIMIT = 64 * 1024;
/** An invite of the global installation (room 100) with Bob Smith as its recipient. */
let inviteId: string;
/** An invite of the room installation: the global installation's credentials must not reach it. */
let otherInviteId: string;

before(async () => {
  w = await startBadInputWorld();
  const invite = (installationId: string, roomId: number) =>
    createInvite(w.world.addon.addon.inviteDeps, {
      installationId,
      roomId,
      roomName: null,
      inviterId: '1',
      inviterName: 'Alice Admin',
      inviterMention: 'alice',
      description: 'The orders database is down',
      idempotencyKey: null,
      recipients: [{ targetName: 'bsmith', recipientType: 'PERSON', displayName: 'Bob Smith' }],
    });
  inviteId = (await invite(w.global.oauthId, 100)).inviteId;
  otherInviteId = (await invite(w.room.oauthId, 101)).inviteId;
});
after(async () => {
  console.log(tally.summary('xMatters callbacks'));
  await w.world.close();
});

const basic = (username: string, password: string) => `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
const auth = () => basic(w.global.callback.username, w.global.callback.password);
const properties = (id = inviteId) => [{ invite_id: id }, { room_id: '100' }, { description: 'The orders database is down' }];

const BODIES: Record<'response' | 'deliveryStatus' | 'status', () => Record<string, unknown>> = {
  response: () => ({ ...fixture('callback-response'), recipient: 'bsmith', eventProperties: properties() }),
  deliveryStatus: () => ({ ...fixture('callback-delivery-status'), recipient: 'bsmith', deliveryStatus: 'Failed', eventProperties: properties() }),
  status: () => ({ ...fixture('callback-status'), status: 'terminated', eventProperties: properties() }),
};
type Kind = keyof typeof BODIES;

const common: Field[] = [
  // xMatters numbers events from 1, but a 0 is no broken input: it is taken.
  { path: ['eventIdentifier'], kind: 'number', alsoTakes: ['numeric text', 'zero'] },
  { path: ['date'], kind: 'text', optional: true, nullable: true, blankOk: true, max: 100 },
  { path: ['eventProperties'], kind: 'list', optional: true, nullable: true, max: 200 },
  { path: ['eventProperties', 0, 'invite_id'], kind: 'text', alsoTakes: ['number'], max: 10_000 },
];
const FIELDS: Record<Kind, Field[]> = {
  response: [
    ...common,
    { path: ['recipient'], kind: 'text', max: 255 },
    // Without a response the payload is another kind of webhook, which is acknowledged and ignored.
    { path: ['response'], kind: 'text', optional: true, nullable: true, max: 255 },
    { path: ['annotation'], kind: 'text', optional: true, nullable: true, blankOk: true, cutsLong: true },
    { path: ['device'], kind: 'text', optional: true, nullable: true, blankOk: true, max: 255 },
  ],
  deliveryStatus: [
    ...common,
    { path: ['recipient'], kind: 'text', max: 255 },
    { path: ['deliveryStatus'], kind: 'text', optional: true, nullable: true, max: 255 },
    { path: ['device'], kind: 'text', optional: true, nullable: true, blankOk: true, max: 255 },
    { path: ['message'], kind: 'text', optional: true, nullable: true, blankOk: true, cutsLong: true },
  ],
  // As for `response`: without its status, or its deliveryStatus, a payload is a kind the add-on ignores (2xx).
  status: [...common, { path: ['status'], kind: 'text', optional: true, nullable: true, max: 255 }],
};

/** A callback with the real credentials, other ones, or (null) none. */
const post = (payload: string | Buffer, authorization: string | string[] | null = auth(), headers: Record<string, string | string[]> = {}): Attempt => ({
  method: 'POST',
  path: '/xmatters/callbacks',
  headers: { ...JSON_TYPE, ...(authorization === null ? {} : { Authorization: authorization }), ...headers },
  body: payload,
});
const refused: Expect = { refused: 'json' };

describe('POST /xmatters/callbacks', () => {
  test('wrong, malformed and borrowed credentials are refused before the body is read', async () => {
    const { username, password } = w.global.callback;
    const valid = JSON.stringify(BODIES.response());
    const unauthorized = (name: string, authorization: string | string[] | null): Case => ({ name, attempt: post(valid, authorization), expect: { refused: 'json', status: [401], code: 'unauthorized' } });
    const cases: Case[] = [
      unauthorized('no credentials', null),
      unauthorized('the wrong password', basic(username, `${password}x`)),
      unauthorized('an unknown username', basic('nobody', password)),
      unauthorized('the room installation’s username with this password', basic(w.room.callback.username, password)),
      unauthorized('an empty username and password', basic('', '')),
      unauthorized('no colon', `Basic ${Buffer.from(`${username}${password}`).toString('base64')}`),
      unauthorized('not base64', 'Basic !!!not-base64!!!'),
      unauthorized('Basic with nothing after it', 'Basic'),
      unauthorized('2,000 characters of base64', `Basic ${'QUFB'.repeat(500)}`),
      unauthorized('a username of 200 characters', basic('u'.repeat(200), password)),
      unauthorized('a NUL in the username', basic(`${username}\u0000`, password)),
      unauthorized('a lone surrogate in the username', basic(`${username}\ud800`, password)),
      unauthorized('Latin-1 bytes in the credentials', `Basic ${Buffer.from([0xe9, 0x3a, 0xe9]).toString('base64')}`),
      unauthorized('a JWT instead of Basic', 'JWT a.b.c'),
      unauthorized('Bearer with the password', `Bearer ${password}`),
      unauthorized('duplicate Authorization headers, the wrong one first', [basic(username, 'wrong'), auth()]),
      unauthorized('a 12 KB Authorization header', `Basic ${'A'.repeat(12 * 1024)}`),
      { name: 'wrong credentials with a 10 MB body', attempt: post(tenMbJson(), basic(username, 'wrong')), expect: { refused: 'json', status: [401] } },
      { name: "another installation's invite", attempt: post(bodyWith(BODIES.response(), ['eventProperties'], properties(otherInviteId))), expect: { refused: 'json', status: [404], code: 'unknown_invite' } },
      { name: 'an invite that does not exist', attempt: post(bodyWith(BODIES.response(), ['eventProperties'], properties('00000000-0000-4000-8000-000000000000'))), expect: { refused: 'json', status: [404], code: 'unknown_invite' } },
      { name: 'no invite_id', attempt: post(bodyWith(BODIES.response(), ['eventProperties'], [{ room_id: '100' }])), expect: { refused: 'json', status: [404], code: 'unknown_invite' } },
      // Kinds the add-on does not use are acknowledged, so xMatters does not retry them, and change nothing.
      { name: 'a response without its response', attempt: post(bodyWith(BODIES.response(), ['response'], MISSING)), expect: { answered: [200] } },
      { name: 'a delivery update without its status', attempt: post(bodyWith(BODIES.deliveryStatus(), ['deliveryStatus'], MISSING)), expect: { answered: [200] } },
      { name: 'a webhook of an unknown kind', attempt: post(bodyWith(BODIES.status(), ['status'], MISSING)), expect: { answered: [200] } },
    ];
    assert.deepEqual(await runCases(w.probe, tally, refused, cases), []);
  });

  for (const kind of Object.keys(BODIES) as Kind[]) {
    const ep: JsonEndpoint = { method: 'POST', path: '/xmatters/callbacks', limit: LIMIT, valid: BODIES[kind], authorization: auth, fields: FIELDS[kind] };

    test(`${kind}: malformed bodies under the real credentials`, async () => {
      assert.deepEqual(await runCases(w.probe, tally, refused, bodyCases(ep)), []);
    });

    test(`${kind}: every field, wrong types, missing, empty, control characters, lone surrogates, broken UTF-8, too long`, async () => {
      // A field whose value loses the invite (no usable invite_id) is a 404, any other a 400.
      assert.deepEqual(await runCases(w.probe, tally, refused, fieldCases(ep, [400, 404])), []);
    });
  }

  test('odd paths, methods, query parameters and headers', async () => {
    const valid = JSON.stringify(BODIES.response());
    const cases: Case[] = [
      { name: 'GET', attempt: { method: 'GET', path: '/xmatters/callbacks', headers: { Authorization: auth() } }, expect: { refused: 'json', status: [404] } },
      { name: 'PUT', attempt: { ...post(valid), method: 'PUT' }, expect: { refused: 'json', status: [404] } },
      { name: 'a trailing path', attempt: { ...post(valid), path: '/xmatters/callbacks/x' }, expect: { refused: 'json', status: [404] } },
      { name: 'an encoded path', attempt: { ...post('{'), path: '/xmatters/%63allbacks' }, expect: { refused: 'json', status: [400, 404] } },
      { name: 'array and object query parameters with a bad body', attempt: { ...post('{'), path: '/xmatters/callbacks?a[]=1&a[b]=2&a=3&a=4' }, expect: { refused: 'json', status: [400] } },
      { name: 'an 8 KB X-Request-Id', attempt: post('{', auth(), { 'X-Request-Id': 'r'.repeat(8192) }), expect: { refused: 'json', status: [400] } },
      { name: 'a header block over 16 KB', attempt: post(valid, auth(), { 'X-Padding': 'p'.repeat(20 * 1024) }), expect: { refused: 'json', status: [431] } },
    ];
    assert.deepEqual(await runCases(w.probe, tally, refused, cases), []);
  });

  test('two different long comments from one responder are two answers, and a repeat of one is a duplicate', async () => {
    const long = 'c'.repeat(5000);
    const answer = (comment: string) =>
      send(w.probe.baseUrl, post(bodyWith({ ...BODIES.response(), eventIdentifier: 777_001, response: 'Decline' }, ['annotation'], comment)));
    const statuses = [];
    for (const comment of [`${long}-first`, `${long}-second`, `${long}-first`]) statuses.push(JSON.parse((await answer(comment)).text).status);
    assert.deepEqual(statuses, ['accepted', 'accepted', 'duplicate']);
    // What is kept is still cut to 4,000 characters.
    const kept = await w.probe.db('invite_recipients').where({ invite_id: inviteId, target_name: 'bsmith' }).first();
    assert.equal(kept.comment.length, 4000);
    assert.ok(kept.comment.endsWith('…'));
  });

  test('the table did not shrink', () => {
    assert.ok(tally.cases >= 450, `only ${tally.cases} cases ran`);
    assert.equal(tally.serverErrors, 0);
  });
});
