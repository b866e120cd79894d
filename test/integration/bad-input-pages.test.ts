import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { bodyWith, tenMbJson, type Field } from '../helpers/bad-bodies';
import { authorizationHeader, bodyCases, fieldCases, jsonAttempt, tokenCases, type JsonEndpoint } from '../helpers/bad-endpoints';
import { runCases, Tally, type Case, type Expect } from '../helpers/bad-input';
import type { TokenKit } from '../helpers/bad-tokens';
import { pageToken, startBadInputWorld, type BadInputWorld } from '../helpers/bad-world';

/**
 * The pages HipChat frames (configure tab, "+" dialog) and their JSON calls, as an attacker would use
 * them: borrowed, forged and misplaced tokens, and malformed input under a genuine token of a user who
 * may do what is asked (so the input checks are reached).
 */
let w: BadInputWorld;
const tally = new Tally();
const ALICE = 1; // group admin, owner of room 101
const BOB = 2; // neither admin nor owner of room 101
/** The room installation (room 101): every call here is Alice's, on her page token. */
let page: string;
let hipchat: string;
let kit: TokenKit;
/** Room 102, installed and never configured. */
let bareInstall: string;

before(async () => {
  w = await startBadInputWorld();
  const bare = await w.world.hipchat.install(w.world.addon.descriptorUrl, { roomId: 102 });
  assert.equal(bare.status, 204, bare.body);
  bareInstall = bare.installation!.oauthId;
  page = await pageToken(w.world, w.room.oauthId, { userId: ALICE }, '/configure');
  hipchat = w.world.hipchat.signJwt(w.room.oauthId, { userId: ALICE });
  kit = { oauthId: w.room.oauthId, secret: w.room.oauthSecret, userId: ALICE, roomId: 101, hipchat, page, acceptsPage: true };
});
after(async () => {
  console.log(tally.summary('pages and their calls'));
  await w.world.close();
});

const refused: Expect = { refused: 'json' };
const xm = () => w.world.xmatters;
const credentials = () => ({ hostname: xm().baseUrl, username: xm().credentials.username, password: xm().credentials.password });

const ENDPOINTS: Record<string, JsonEndpoint> = {};
function endpoint(name: string, spec: Omit<JsonEndpoint, 'authorization'>): void {
  ENDPOINTS[name] = { ...spec, authorization: () => `JWT ${page}` };
}
const credentialFields: Field[] = [
  { path: ['hostname'], kind: 'text', max: 300 },
  { path: ['username'], kind: 'text', max: 255 },
  // Empty keeps the saved password (the installation has one).
  { path: ['password'], kind: 'text', blankOk: true, max: 1024 },
];
endpoint('POST /configure/api/test', { method: 'POST', path: '/configure/api/test', limit: 16 * 1024, valid: credentials, fields: credentialFields });
endpoint('POST /configure/api/settings', {
  method: 'POST',
  path: '/configure/api/settings',
  limit: 16 * 1024,
  valid: () => ({ ...credentials(), inviteUrl: xm().inviteUrl, matchMentionNames: false }),
  fields: [...credentialFields, { path: ['inviteUrl'], kind: 'text', max: 2000, optional: true, blankOk: true }, { path: ['matchMentionNames'], kind: 'boolean', optional: true }],
});
endpoint('POST /configure/api/callback-credentials', {
  method: 'POST',
  path: '/configure/api/callback-credentials',
  limit: 16 * 1024,
  // Always refused: a valid body would replace the password the other cases need.
  valid: () => ({ confirm: false }),
  fields: [{ path: ['confirm'], kind: 'boolean' }],
});
let keys = 0;
endpoint('POST /invite/api/invites', {
  method: 'POST',
  path: '/invite/api/invites',
  limit: 32 * 1024,
  valid: () => ({
    recipients: [{ targetName: 'bsmith', type: 'PERSON', displayName: 'Bob Smith' }, { targetName: 'Database', type: 'GROUP', displayName: 'Database' }],
    description: 'The orders database refuses connections. Please join.',
    idempotencyKey: `bad-input-${process.pid}-${++keys}`,
  }),
  fields: [
    { path: ['recipients'], kind: 'list', max: 10 },
    { path: ['recipients', 0], kind: 'object' },
    { path: ['recipients', 0, 'targetName'], kind: 'text', max: 255 },
    { path: ['recipients', 0, 'type'], kind: 'text' },
    { path: ['recipients', 0, 'displayName'], kind: 'text', optional: true, blankOk: true, max: 255 },
    { path: ['description'], kind: 'text', max: 2000 },
    { path: ['idempotencyKey'], kind: 'text', max: 100 },
  ],
});

describe('the JSON calls of the pages', () => {
  for (const [name, ep] of Object.entries(ENDPOINTS)) {
    describe(name, () => {
      test('forged, broken, misplaced and borrowed tokens', async () => {
        const otherRoom = w.world.hipchat.signJwt(w.room.oauthId, { userId: ALICE, roomId: 102 });
        const cases = tokenCases((authorization, query) => jsonAttempt(ep, JSON.stringify(ep.valid()), { authorization, ...(query ? { query } : {}) }), { ...kit, otherRoom });
        cases.push(
          { name: 'a 10 MB body with a broken token', attempt: jsonAttempt(ep, tenMbJson(), { authorization: 'JWT broken' }), expect: { refused: 'json', status: [401, 413] } },
          { name: 'an 8 KB X-Request-Id', attempt: jsonAttempt(ep, '{', { headers: { 'X-Request-Id': 'r'.repeat(8192) } }), expect: { refused: 'json', status: [400] } },
          { name: 'a header block over 16 KB', attempt: jsonAttempt(ep, JSON.stringify(ep.valid()), { headers: { 'X-Padding': 'p'.repeat(20 * 1024) } }), expect: { refused: 'json', status: [431] } },
          { name: 'array and object query parameters with a bad body', attempt: jsonAttempt(ep, '{', { query: 'a[]=1&a[b]=2&a=1&a=2' }), expect: { refused: 'json', status: [400] } },
          { name: 'GET instead of POST', attempt: { method: 'GET', path: ep.path, headers: { Authorization: ep.authorization() } }, expect: { refused: 'json', status: [404] } },
        );
        if (!name.includes('/invite/')) {
          const bobs = await pageToken(w.world, w.room.oauthId, { userId: BOB }, '/configure');
          const request = name.endsWith('callback-credentials') ? '{"confirm":true}' : JSON.stringify(ep.valid());
          cases.push({ name: 'a user who may not change the settings', attempt: jsonAttempt(ep, request, { authorization: `JWT ${bobs}` }), expect: { refused: 'json', status: [403], code: 'forbidden' } });
        }
        assert.deepEqual(await runCases(w.probe, tally, refused, cases), []);
      });

      test('malformed bodies under a genuine token', async () => {
        assert.deepEqual(await runCases(w.probe, tally, refused, bodyCases(ep)), []);
      });

      test('every field: wrong types, missing, empty, control characters, lone surrogates, broken UTF-8, too long', async () => {
        assert.deepEqual(await runCases(w.probe, tally, refused, fieldCases(ep)), []);
      });
    });
  }

  test('callback credentials: anything but {"confirm": true} changes nothing', async () => {
    const ep = ENDPOINTS['POST /configure/api/callback-credentials']!;
    const bodies = ['{"confirm":"true"}', '{"confirm":1}', '{"confirm":[true]}', '{"confirm":"yes","__proto__":{"confirm":true}}', '{"confirm":null}', '{"Confirm":true}'];
    const cases: Case[] = bodies.map((body) => ({ name: body, attempt: jsonAttempt(ep, body) }));
    assert.deepEqual(await runCases(w.probe, tally, refused, cases), []);
  });

  test('invites: every recipient checked, rooms only from the token, and an installation that is not set up', async () => {
    const ep = ENDPOINTS['POST /invite/api/invites']!;
    const valid = ep.valid();
    const globalPage = await pageToken(w.world, w.global.oauthId, { userId: ALICE, roomId: 100 });
    const globalNoRoom = w.world.hipchat.signJwt(w.global.oauthId, { userId: ALICE });
    const barePage = await pageToken(w.world, bareInstall, { userId: ALICE, roomId: 102 });
    const cases: Case[] = [
      { name: 'the second recipient broken', attempt: jsonAttempt(ep, bodyWith(valid, ['recipients', 1, 'targetName'], 'a\u0000b')) },
      { name: 'the same recipient twice', attempt: jsonAttempt(ep, bodyWith(valid, ['recipients', 1], { targetName: 'bsmith', type: 'PERSON' })) },
      { name: 'eleven recipients', attempt: jsonAttempt(ep, bodyWith(valid, ['recipients'], Array.from({ length: 11 }, (_, i) => ({ targetName: `user${i}`, type: 'PERSON' })))) },
      { name: 'a token of an installation for the whole group that names no room', attempt: jsonAttempt(ep, JSON.stringify(ep.valid()), { authorization: `JWT ${globalNoRoom}` }), expect: { refused: 'json', status: [400], code: 'no_room' } },
      { name: 'an installation that is not set up', attempt: jsonAttempt(ep, JSON.stringify(ep.valid()), { authorization: `JWT ${barePage}` }), expect: { refused: 'json', status: [409], code: 'not_configured' } },
      { name: 'the global page token, a broken body', attempt: jsonAttempt(ep, '[]', { authorization: `JWT ${globalPage}` }) },
    ];
    assert.deepEqual(await runCases(w.probe, tally, refused, cases), []);
  });
});

describe('GET /invite/api/recipients', () => {
  const lookup = (query: string, authorization: string | string[] | null = `JWT ${page}`) => ({
    method: 'GET',
    path: `/invite/api/recipients${query ? `?${query}` : ''}`,
    headers: authorizationHeader(authorization),
  });

  test('forged, broken, misplaced and borrowed tokens', async () => {
    const otherRoom = w.world.hipchat.signJwt(w.room.oauthId, { userId: ALICE, roomId: 102 });
    const cases = tokenCases((authorization, query) => lookup(['q=bsmith', query].filter(Boolean).join('&'), authorization), { ...kit, otherRoom });
    assert.deepEqual(await runCases(w.probe, tally, refused, cases), []);
  });

  test('the search text: missing, too short, too long, arrays, objects, repeated, control characters, broken encodings', async () => {
    const queries = [
      '',
      'q=',
      'q=a',
      'q=+++',
      'q=%20%09%20',
      `q=${'x'.repeat(101)}`,
      `q=${'x'.repeat(6000)}`,
      'q[]=bsmith',
      'q[]=bs&q[]=mith',
      'q[a]=bsmith',
      'q[__proto__]=bsmith',
      'q=bsmith&q=cjones',
      'Q=bsmith',
      'q=ab%00cd',
      'q=ab%01cd',
      'q=ab%1B%5B2J',
      'q=ab%7Fcd',
      'q=ab%08%08',
      'q=%ED%A0%80ab',
      'q=ab%ED%BF%BF',
      'q=%C0%AFab',
      'q=%E0%80%AFab',
      'q=ab%FFcd',
      'q=ab%E2%82',
      'q=%',
      'q=ab%C0',
    ];
    const cases: Case[] = queries.map((q) => ({ name: `?${q.slice(0, 60)}`, attempt: lookup(q), expect: { refused: 'json', status: [400], code: 'invalid' } }));
    // A % that starts no escape is read as the character it is: a search for the text as typed.
    for (const q of ['q=ab%ZZ', 'q=%u0041b']) cases.push({ name: `?${q} searches for the literal text`, attempt: lookup(q), expect: { answered: [200] } });
    cases.push({ name: 'a header block over 16 KB', attempt: { ...lookup('q=bsmith'), headers: { Authorization: `JWT ${page}`, 'X-Padding': 'p'.repeat(20 * 1024) } }, expect: { refused: 'json', status: [431] } });
    cases.push({ name: 'a 10 MB body on a GET with no search text', attempt: { ...lookup(''), headers: { Authorization: `JWT ${page}`, 'Content-Type': 'application/json' }, body: tenMbJson() }, expect: { refused: 'json', status: [400] } });
    cases.push({ name: 'an installation that is not set up', attempt: lookup('q=bsmith', `JWT ${await pageToken(w.world, bareInstall, { userId: ALICE, roomId: 102 })}`), expect: { refused: 'json', status: [409], code: 'not_configured' } });
    assert.deepEqual(await runCases(w.probe, tally, refused, cases), []);
  });
});

describe('the activity log and the on-call lookup', () => {
  const call = (method: string, path: string, authorization: string | string[] | null = `JWT ${page}`) => ({ method, path, headers: authorizationHeader(authorization) });
  const ENDPOINTS_WITHOUT_BODY: Array<[string, string]> = [
    ['GET', '/configure/api/activity'],
    ['POST', '/configure/api/activity/jobs/1/retry'],
    ['GET', '/invite/api/on-call?group=Database'],
  ];

  for (const [method, path] of ENDPOINTS_WITHOUT_BODY) {
    test(`${method} ${path}: forged, broken, misplaced and borrowed tokens`, async () => {
      const otherRoom = w.world.hipchat.signJwt(w.room.oauthId, { userId: ALICE, roomId: 102 });
      const cases = tokenCases((authorization, query) => call(method, query ? `${path}${path.includes('?') ? '&' : '?'}${query}` : path, authorization), { ...kit, otherRoom });
      assert.deepEqual(await runCases(w.probe, tally, refused, cases), []);
    });
  }

  test('paging, job ids and group names: wrong, too long, arrays, control characters, broken encodings', async () => {
    const bobs = await pageToken(w.world, w.room.oauthId, { userId: BOB }, '/configure');
    const cases: Case[] = [
      ...['before=x', 'before=0', 'before=-1', 'before=1.5', 'before[]=1', 'before[a]=1', 'failed=yes', 'failed[]=1'].map((q) => ({
        name: `activity ?${q}`,
        attempt: call('GET', `/configure/api/activity?${q}`),
        expect: { refused: 'json', status: [400], code: 'invalid' } as Expect,
      })),
      ...['abc', '0', '-1', '1e3', '99999999999999999999', '%00', '1%20'].map((id) => ({
        name: `retry of job ${id}`,
        attempt: call('POST', `/configure/api/activity/jobs/${id}/retry`),
        expect: { refused: 'json', status: [404], code: 'no_such_job' } as Expect,
      })),
      { name: 'the log for a user who is not an admin', attempt: call('GET', '/configure/api/activity', `JWT ${bobs}`), expect: { refused: 'json', status: [403], code: 'forbidden' } },
      { name: 'a retry by a user who is not an admin', attempt: call('POST', '/configure/api/activity/jobs/1/retry', `JWT ${bobs}`), expect: { refused: 'json', status: [403], code: 'forbidden' } },
      ...['', 'group=', 'group=%20%20', `group=${'x'.repeat(256)}`, 'group[]=Database', 'group[a]=Database', 'group=ab%00cd', 'group=ab%1B%5B2J', 'group=%ED%A0%80ab', 'group=ab%FFcd'].map((q) => ({
        name: `on-call ?${q.slice(0, 60)}`,
        attempt: call('GET', `/invite/api/on-call${q ? `?${q}` : ''}`),
        expect: { refused: 'json', status: [400], code: 'invalid' } as Expect,
      })),
      { name: 'on-call for an installation that is not set up', attempt: call('GET', '/invite/api/on-call?group=Database', `JWT ${await pageToken(w.world, bareInstall, { userId: ALICE, roomId: 102 })}`), expect: { refused: 'json', status: [409], code: 'not_configured' } },
    ];
    assert.deepEqual(await runCases(w.probe, tally, refused, cases), []);
  });
});

describe('the pages HipChat frames', () => {
  for (const path of ['/configure', '/invite/dialog']) {
    test(`GET ${path}: refusals are HTML pages that say why`, async () => {
      const otherRoom = w.world.hipchat.signJwt(w.room.oauthId, { userId: ALICE, roomId: 102 });
      const load = (authorization: string | string[] | null, query: string | undefined) => ({
        method: 'GET',
        path: `${path}${query ? `?${query}` : ''}`,
        headers: authorizationHeader(authorization),
      });
      const cases = tokenCases(load, { ...kit, acceptsPage: false, otherRoom }, 'page');
      cases.push(
        { name: 'odd extra query parameters are ignored', attempt: load(`JWT ${hipchat}`, 'x[]=1&x[a]=2&x=1&x=2&%00=1'), expect: { answered: [200] } },
        { name: 'a 10 MB body with a broken token', attempt: { ...load('JWT broken', undefined), body: tenMbJson() } },
        { name: 'a 10 MB body is not read', attempt: { ...load(`JWT ${hipchat}`, undefined), body: tenMbJson() }, expect: { answered: [200] } },
        { name: 'POST to the page', attempt: { method: 'POST', path, headers: { Authorization: `JWT ${hipchat}`, 'Content-Type': 'application/json' }, body: '{}' }, expect: { refused: 'json', status: [404] } },
      );
      assert.deepEqual(await runCases(w.probe, tally, { refused: 'page' }, cases), []);
    });
  }

  test('the table did not shrink', () => {
    assert.ok(tally.cases >= 900, `only ${tally.cases} cases ran`);
    assert.equal(tally.serverErrors, 0);
  });
});
