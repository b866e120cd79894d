import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import { startHipChatSim, type HipChatSim } from '../../sim/hipchat/server';
import { api, errorOf } from './sim-hipchat-probe';

const as = (userId: number) => ({ Cookie: `hipchat_sim_user=${userId}` });

let sim: HipChatSim;

before(async () => {
  sim = await startHipChatSim();
});

after(async () => {
  await sim.close();
});

test('account page: create a personal token with a label and scopes, shown once, usable as Bearer or auth_token, then deleted', async () => {
  const ui = request(sim.baseUrl);
  const empty = await ui.get('/account/api').set(as(3));
  assert.equal(empty.status, 200);
  assert.match(empty.text, /You have no personal tokens/);
  assert.match(empty.text, /name="scopes" value="view_messages"/);

  const created = await ui.post('/account/api').set(as(3)).type('form').send('label=CI+bot&scopes=view_group&scopes=send_notification');
  assert.equal(created.status, 200);
  assert.equal(created.headers['cache-control'], 'no-store');
  const token = /<pre class="wrap" id="new-token">([A-Za-z0-9]{40})<\/pre>/.exec(created.text)?.[1];
  assert.ok(token, 'the token is shown');
  assert.match(created.text, /view_group, send_notification/);

  const again = await ui.get('/account/api').set(as(3));
  assert.equal(again.text.includes(token), false, 'shown once only');
  assert.match(again.text, new RegExp(`…${token.slice(-4)}`));
  assert.doesNotMatch((await ui.get('/account/api').set(as(2))).text, /CI bot/, 'nobody else sees it');

  assert.equal((await api(sim, '/user/3', token)).status, 200);
  assert.equal((await fetch(`${sim.apiUrl}/user/3?auth_token=${token}`)).status, 200);
  const posted = await fetch(`${sim.apiUrl}/room/100/notification?auth_token=${token}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ message: 'from Carol’s bot' }) });
  assert.equal(posted.status, 204);
  assert.deepEqual(sim.notifications(100).at(-1)?.sender, { type: 'user', userId: 3 }, 'a personal token posts as its user');
  const outside = await api(sim, '/room/100/history', token);
  assert.equal((await errorOf(outside)).message, "This action requires one of the following scopes: [u'view_messages']");

  const id = /data-token-id="(\d+)"/.exec(again.text)?.[1];
  assert.equal((await ui.post(`/account/api/${id}/delete`).set(as(2))).status, 404, 'only its owner deletes it');
  assert.equal((await api(sim, '/user/3', token)).status, 200);
  const deleted = await ui.post(`/account/api/${id}/delete`).set(as(3));
  assert.equal(deleted.status, 303);
  assert.equal((await api(sim, '/user/3', token)).status, 401);
});

test('account page refuses a token without a label, without scopes or with an unknown scope, and creates nothing', async () => {
  const ui = request(sim.baseUrl);
  for (const body of ['label=&scopes=view_group', 'label=No+scopes', 'label=Odd&scopes=import_data']) {
    const refused = await ui.post('/account/api').set(as(4)).type('form').send(body);
    assert.equal(refused.status, 400, body);
  }
  assert.match((await ui.get('/account/api').set(as(4))).text, /You have no personal tokens/);
});
