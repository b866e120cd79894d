import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import jwt from 'jsonwebtoken';
import request from 'supertest';
import { startHipChatSim, type HipChatSim } from '../../sim/hipchat/server';
import { api, basic, errorOf, installProbe, startProbe, type Credentials, type Probe } from './sim-hipchat-probe';

const as = (userId: number) => ({ Cookie: `hipchat_sim_user=${userId}` });

let sim: HipChatSim;
let probe: Probe;
let creds: Credentials;
let callback: string;

before(async () => {
  sim = await startHipChatSim();
  probe = await startProbe();
  callback = `${probe.url}/oauth/callback`;
  creds = await installProbe(sim, probe, { oauth2Consumer: { redirectionUrls: [callback] } }, { scopes: ['send_message', 'view_room', 'view_messages'] });
});

after(async () => {
  await sim.close();
  await probe.close();
});

function authorizeUrl(params: Record<string, string>) {
  return `/users/authorize?${new URLSearchParams({ response_type: 'code', client_id: creds.oauthId, redirect_uri: callback, ...params })}`;
}

/** Approves on the consent page as `userId` and returns the redirect back to the add-on. */
async function approve(userId: number, params: Record<string, string>, decision = 'approve') {
  const res = await request(sim.baseUrl).post('/users/authorize').set(as(userId)).type('form').send({ client_id: creds.oauthId, redirect_uri: callback, state: '', ...params, decision });
  assert.equal(res.status, 303, res.text);
  return new URL(res.headers.location!);
}

function tokenRequest(fields: Record<string, string>, client: Credentials = creds) {
  return fetch(`${sim.apiUrl}/oauth/token`, {
    method: 'POST',
    headers: { Authorization: basic(client.oauthId, client.oauthSecret), 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });
}

test('the capabilities document’s authorizationUrl is a consent page for the signed-in user', async () => {
  const doc = (await (await fetch(sim.capabilitiesUrl)).json()) as any;
  assert.equal(doc.capabilities.oauth2Provider.authorizationUrl, `${sim.baseUrl}/users/authorize`);
  const page = await request(sim.baseUrl).get(authorizeUrl({ scope: 'send_message view_room', state: 'xyz' })).set(as(2));
  assert.equal(page.status, 200);
  assert.match(page.text, /Allow Sim Probe to act for you\?/);
  assert.match(page.text, /use HipChat as you, Bob Smith/);
  assert.match(page.text, /<strong>Send Message<\/strong>/);
  assert.doesNotMatch(page.text, /<strong>View Messages<\/strong>/, 'only the requested scopes');
  assert.match(page.headers['content-security-policy'] ?? '', new RegExp(`form-action 'self' ${probe.url}`));
  assert.match(page.text, /name="state" value="xyz"/);
});

test('approve → code → user token (with refresh_token) that sends messages as the user; codes are single-use', async () => {
  const back = await approve(2, { scope: 'send_message view_room', state: 'xyz' });
  assert.equal(`${back.origin}${back.pathname}`, callback);
  assert.equal(back.searchParams.get('state'), 'xyz');
  const code = back.searchParams.get('code')!;
  assert.match(code, /^[A-Za-z0-9]{40}$/);

  const exchanged = await tokenRequest({ grant_type: 'authorization_code', code, redirect_uri: callback });
  assert.equal(exchanged.status, 200);
  const token = (await exchanged.json()) as any;
  assert.deepEqual(Object.keys(token).sort(), ['access_token', 'expires_in', 'group_id', 'group_name', 'refresh_token', 'scope', 'token_type']);
  assert.equal(token.scope, 'send_message view_room');
  assert.equal(token.token_type, 'bearer');

  const sent = await api(sim, '/room/102/message', token.access_token, { json: { message: 'sent through the add-on' } });
  assert.equal(sent.status, 201);
  assert.deepEqual(sim.state.room(102).messages.at(-1)?.from, { id: 2, name: 'Bob Smith', mention_name: 'bsmith' });
  const history = await api(sim, '/room/102/history', token.access_token);
  assert.equal((await errorOf(history)).message, "This action requires one of the following scopes: [u'view_messages']", 'only the approved scopes');

  const reused = await tokenRequest({ grant_type: 'authorization_code', code, redirect_uri: callback });
  assert.equal(reused.status, 400);
  assert.match((await errorOf(reused)).message, /already used/);

  const refreshed = await tokenRequest({ grant_type: 'refresh_token', refresh_token: token.refresh_token, scope: 'view_room' });
  assert.equal(refreshed.status, 200);
  const second = (await refreshed.json()) as any;
  assert.equal(second.scope, 'view_room');
  assert.notEqual(second.refresh_token, token.refresh_token);
  assert.equal((await tokenRequest({ grant_type: 'refresh_token', refresh_token: token.refresh_token })).status, 400, 'a refresh token is used once');
  const wider = await tokenRequest({ grant_type: 'refresh_token', refresh_token: second.refresh_token, scope: 'view_room view_messages' });
  assert.equal(wider.status, 400);
  assert.match((await errorOf(wider)).message, /view_messages was not granted/);
});

test('the code must come back with its redirect_uri and client; revoking the add-on ends its users’ tokens', async () => {
  const code = (await approve(3, { scope: 'view_room' })).searchParams.get('code')!;
  const wrongUri = await tokenRequest({ grant_type: 'authorization_code', code, redirect_uri: `${probe.url}/elsewhere` });
  assert.equal(wrongUri.status, 400);
  assert.match((await errorOf(wrongUri)).message, /redirect_uri does not match/);

  const other = await installProbe(sim, probe, { oauth2Consumer: { redirectionUrls: [callback] } }, { scopes: ['view_room'] });
  const stolen = (await approve(3, { scope: 'view_room' })).searchParams.get('code')!;
  const byOther = await tokenRequest({ grant_type: 'authorization_code', code: stolen, redirect_uri: callback }, other);
  assert.equal(byOther.status, 400);
  assert.match((await errorOf(byOther)).message, /issued to another client/);
  sim.revoke(other.oauthId);

  const fresh = (await approve(3, { scope: 'view_room' })).searchParams.get('code')!;
  const userToken = ((await (await tokenRequest({ grant_type: 'authorization_code', code: fresh, redirect_uri: callback })).json()) as any).access_token;
  assert.equal((await api(sim, '/room/100', userToken)).status, 200);
  sim.revoke(creds.oauthId);
  assert.equal((await api(sim, '/room/100', userToken)).status, 401);
  sim.restore(creds.oauthId);
});

test('deny, and the consent page’s refusals: unknown clients and unregistered redirect URIs are never redirected to', async () => {
  const denied = await approve(2, { scope: 'view_room', state: 's1' }, 'deny');
  assert.equal(denied.searchParams.get('error'), 'access_denied');
  assert.equal(denied.searchParams.get('state'), 's1');
  assert.equal(denied.searchParams.get('code'), null);

  const ui = request(sim.baseUrl);
  const unknown = await ui.get(authorizeUrl({ client_id: 'no-such-client' })).set(as(2));
  assert.equal(unknown.status, 400);
  assert.match(unknown.text, /no integration with client_id/);
  const elsewhere = await ui.get(authorizeUrl({ redirect_uri: 'https://evil.example/steal' })).set(as(2));
  assert.equal(elsewhere.status, 400);
  assert.match(elsewhere.text, /is not one of Sim Probe&#39;s oauth2Consumer.redirectionUrls/);

  const implicit = await ui.get(authorizeUrl({ response_type: 'token', state: 's2' })).set(as(2));
  assert.equal(implicit.status, 303);
  const implicitBack = new URL(implicit.headers.location!);
  assert.equal(implicitBack.searchParams.get('error'), 'unsupported_response_type');
  assert.equal(implicitBack.searchParams.get('state'), 's2');
  const tooMuch = await ui.get(authorizeUrl({ scope: 'admin_group' })).set(as(2));
  assert.equal(new URL(tooMuch.headers.location!).searchParams.get('error'), 'invalid_scope');

  const tampered = await ui.post('/users/authorize').set(as(2)).type('form').send({ client_id: creds.oauthId, redirect_uri: 'https://evil.example/steal', decision: 'approve' });
  assert.equal(tampered.status, 400);
  assert.equal(tampered.headers.location, undefined);
});

test('the add-on descriptor schema is served without a token, as HipChat published it', async () => {
  const res = await fetch(`${sim.apiUrl}/capabilities/addon/schema?draft=v4`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /application\/json/);
  const served = await res.json();
  const published = JSON.parse(readFileSync(new URL('../../sim/hipchat/schema/addon-capabilities.schema.json', import.meta.url), 'utf8'));
  assert.deepEqual(served, published);
  assert.ok((served as any).properties.capabilities.properties.glance);
});

test('JWTs the simulator signs carry the user in prn as well as sub', () => {
  const signed = jwt.verify(sim.signJwt(creds.oauthId, { userId: 3, roomId: 100 }), creds.oauthSecret, { algorithms: ['HS256'] }) as jwt.JwtPayload;
  assert.equal(signed.sub, '3');
  assert.equal(signed.prn, '3');
});
