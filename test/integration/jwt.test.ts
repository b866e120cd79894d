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

function assertRefused(res: request.Response, reason: RegExp) {
  assert.equal(res.status, 401);
  assert.equal(res.headers['www-authenticate'], 'JWT');
  assert.match(res.body.error.message, reason);
  assert.ok(!JSON.stringify(res.body).includes(oauthSecret));
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
    const token = jwt.sign({ iss: oauthId, prn: '2', iat: now(), exp: now() + 60 }, oauthSecret);
    await page().set('Authorization', `JWT ${token}`).expect(200);
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

test('page-token round trip: the rendered page carries a fresh token that the add-on accepts', async () => {
  const url = new URL(sim.pageUrl(oauthId, `${addon.baseUrl}/configure`, { userId: 1, roomId: 100 }));
  const res = await request(addon.addon.app).get(url.pathname + url.search).expect(200);
  const token = /<meta name="token" content="([^"]+)">/.exec(res.text)?.[1];
  assert.ok(token, 'page has a token');
  const claims = jwt.verify(token!, oauthSecret, { algorithms: ['HS256'] }) as jwt.JwtPayload;
  assert.equal(claims.iss, oauthId);
  assert.equal(claims.sub, '1');
  assert.equal(claims.context.room_id, 100);
  assert.ok(claims.exp! - claims.iat! <= 15 * 60, 'short-lived');
  await page().set('Authorization', `JWT ${token}`).expect(200);
});

test('an uninstalled installation\'s tokens are refused at once', async () => {
  const other = await sim.install(addon.descriptorUrl, { roomId: 102 });
  const token = sim.signJwt(other.installation!.oauthId, { userId: 1, roomId: 102 });
  await page().set('Authorization', `JWT ${token}`).expect(200);
  assert.equal((await sim.uninstall(other.installation!.oauthId)).status, 204);
  assertRefused(await page().set('Authorization', `JWT ${token}`), /does not know/);
});
