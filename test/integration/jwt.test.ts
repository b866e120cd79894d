import assert from 'node:assert/strict';
import jwt from 'jsonwebtoken';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { startHipChatSim, type HipChatSim } from '../../sim/hipchat/server';
import { startAddon, type RunningAddon } from '../helpers/addon';

let sim: HipChatSim;
let addon: RunningAddon;
let oauthId: string;
let oauthSecret: string;

before(async () => {
  sim = await startHipChatSim();
  addon = await startAddon({ hipchatAllowedHosts: [new URL(sim.baseUrl).host] });
  const result = await sim.install(addon.descriptorUrl, { roomId: 100 });
  assert.equal(result.status, 204, result.body);
  ({ oauthId, oauthSecret } = result.installation!);
});
after(async () => {
  await addon.close();
  await sim.close();
});

const now = () => Math.floor(Date.now() / 1000);
const sign = (claims: object, secret = oauthSecret, algorithm: jwt.Algorithm = 'HS256') =>
  jwt.sign({ iss: oauthId, sub: '1', iat: now(), exp: now() + 300, context: { room_id: 100, user_tz: 'UTC' }, ...claims }, secret, { algorithm });

const page = () => request(addon.addon.app).get('/configure');

/** The page is shown in HipChat's frame, so its refusal is an HTML page that says why. */
function assertRefused(res: request.Response, reason: RegExp) {
  assert.equal(res.status, 401);
  assert.equal(res.headers['www-authenticate'], 'JWT');
  assert.match(res.headers['content-type'] ?? '', /text\/html/);
  assert.match(res.text, reason);
  assert.ok(!res.text.includes(oauthSecret));
}

describe('the JWT is accepted in all three placements', () => {
  test('?signed_request= (as HipChat loads a page)', async () => {
    const url = new URL(sim.pageUrl(oauthId, `${addon.baseUrl}/configure`, { userId: 1, roomId: 100 }));
    assert.ok(url.searchParams.get('signed_request'));
    await request(addon.addon.app).get(url.pathname + url.search).expect(200);
  });
  test('Authorization: JWT <token>', async () => {
    await page().set('Authorization', `JWT ${sign({})}`).expect(200);
  });
  test('Authorization: JWT token=<token>', async () => {
    await page().set('Authorization', `JWT token=${sign({})}`).expect(200);
  });
  test('the older prn claim names the user when sub is absent', async () => {
    // Alice (1) is the group admin and may edit; Bob (2) may only view: the page shows whom prn named.
    const asAdmin = await page().set('Authorization', `JWT ${jwt.sign({ iss: oauthId, prn: '1', iat: now(), exp: now() + 60 }, oauthSecret)}`).expect(200);
    assert.match(asAdmin.text, /id="settings-form"/);
    assert.doesNotMatch(asAdmin.text, /You can view these settings/);
    const asBob = await page().set('Authorization', `JWT ${jwt.sign({ iss: oauthId, prn: '2', iat: now(), exp: now() + 60 }, oauthSecret)}`).expect(200);
    assert.match(asBob.text, /You can view these settings/);
    assert.doesNotMatch(asBob.text, /id="settings-form"/);
    const pageToken = /<meta name="token" content="([^"]+)">/.exec(asBob.text)![1]!;
    assert.equal((jwt.decode(pageToken) as jwt.JwtPayload).sub, '2', 'the page token names the same user');
  });
  test('an exp up to 60 s past is within the leeway', async () => {
    await page().set('Authorization', `JWT ${sign({ iat: now() - 600, exp: now() - 30 })}`).expect(200);
  });
});

describe('bad tokens are refused with 401 and a reason that leaks nothing', () => {
  test('no token', async () => assertRefused(await page(), /No JWT/));
  test('expired', async () => assertRefused(await page().set('Authorization', `JWT ${sign({ iat: now() - 900, exp: now() - 120 })}`), /expired/));
  test('issued in the future', async () => assertRefused(await page().set('Authorization', `JWT ${sign({ iat: now() + 300, exp: now() + 900 })}`), /future/));
  test('wrong secret', async () => assertRefused(await page().set('Authorization', `JWT ${sign({}, 'not-the-secret')}`), /signature/));
  test('alg: none', async () => {
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    const payload = Buffer.from(JSON.stringify({ iss: oauthId, sub: '1', iat: now(), exp: now() + 300 })).toString('base64url');
    assertRefused(await page().set('Authorization', `JWT ${header}.${payload}.`), /only HS256/);
  });
  test('HS512', async () => assertRefused(await page().set('Authorization', `JWT ${sign({}, oauthSecret, 'HS512')}`), /HS512/));
  test('unknown iss', async () => assertRefused(await page().set('Authorization', `JWT ${sign({ iss: 'someone-else' })}`), /does not know/));
  test('no exp', async () => {
    const token = jwt.sign({ iss: oauthId, sub: '1' }, oauthSecret);
    assertRefused(await page().set('Authorization', `JWT ${token}`), /exp/);
  });
  test('malformed', async () => assertRefused(await page().set('Authorization', 'JWT abc.def.ghi'), /not a JWT|malformed/));
  test('garbage in ?signed_request=', async () => assertRefused(await page().query({ signed_request: 'garbage' }), /not a JWT/));
});

test('page tokens: signed with a key of their own, good for the page\'s calls, never for a page load or a webhook', async () => {
  const url = new URL(sim.pageUrl(oauthId, `${addon.baseUrl}/configure`, { userId: 1, roomId: 100 }));
  const res = await request(addon.addon.app).get(url.pathname + url.search).expect(200);
  const token = /<meta name="token" content="([^"]+)">/.exec(res.text)?.[1];
  assert.ok(token, 'page has a token');
  assert.throws(() => jwt.verify(token!, oauthSecret, { algorithms: ['HS256'] }), /invalid signature/, 'not signed with the shared secret');
  const claims = jwt.decode(token!) as jwt.JwtPayload;
  assert.equal(claims.iss, oauthId);
  assert.equal(claims.sub, '1');
  assert.equal(claims.context.room_id, 100);
  assert.ok(claims.exp! - claims.iat! <= 15 * 60, 'short-lived');
  // The page's own JSON calls accept it…
  const call = await request(addon.addon.app).post('/configure/api/callback-credentials').set('Authorization', `JWT ${token}`).send({ confirm: true });
  assert.equal(call.status, 409, 'accepted (no settings yet), not refused as a token');
  // …a page load and a webhook do not.
  assertRefused(await page().set('Authorization', `JWT ${token}`), /page token is not accepted here/);
  const hook = await request(addon.addon.app).post(`/webhooks/room_enter?signed_request=${token}`).send({ event: 'room_enter', item: { room: { id: 100 }, sender: { id: 1, name: 'Alice Admin' } } });
  assert.equal(hook.status, 401);
});

test('a room installation\'s token naming another room is refused', async () => {
  const res = await page().set('Authorization', `JWT ${sign({ context: { room_id: 101 } })}`);
  assert.equal(res.status, 403);
  assert.match(res.text, /belongs to room 100, not room 101/);
});

test('a JWT in an odd spelling of ?signed_request= is refused, and logged redacted', async () => {
  const token = sign({});
  for (const query of [`%73igned_request=${token}`, `signed_request[]=${token}`, `signed_request=${token}&signed_request=${token}`, `Signed_Request=${token}`]) {
    const res = await request(addon.addon.app).get(`/configure?${query}`);
    assert.equal(res.status, 400, query);
    assert.match(res.text, /spelled plainly|once/);
  }
  assert.ok(!addon.logs.join('').includes(token), 'the token never reaches the logs');
});

test('an unknown iss is answered from memory after the first refusal', async () => {
  const stranger = sign({ iss: 'stranger-installation' });
  let reads = 0;
  // Reads of installations only: the delivery worker polls the jobs table meanwhile.
  const listener = (query: { sql: string }) => void (/installations/.test(query.sql) && reads++);
  addon.addon.db.on('query', listener);
  try {
    for (let i = 0; i < 20; i++) await page().set('Authorization', `JWT ${stranger}`).expect(401);
  } finally {
    addon.addon.db.off('query', listener);
  }
  assert.ok(reads <= 1, `${reads} database reads for 20 refusals`);
});

test('an uninstalled installation\'s tokens are refused at once', async () => {
  const other = await sim.install(addon.descriptorUrl, { roomId: 102 });
  const token = sim.signJwt(other.installation!.oauthId, { userId: 1, roomId: 102 });
  await page().set('Authorization', `JWT ${token}`).expect(200);
  assert.equal((await sim.uninstall(other.installation!.oauthId)).status, 204);
  assertRefused(await page().set('Authorization', `JWT ${token}`), /does not know/);
});
