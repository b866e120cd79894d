import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { createInvite } from '../../lib/invites/service';
import { listRecipients } from '../../lib/store/invites';
import { startWorld, installAndConfigure, type ConfiguredInstallation, type World } from '../helpers/world';
import { waitFor } from '../helpers/wait';

/** Callback payloads shaped like the documented fixtures (test/fixtures/xmatters, docs §3.2). */
const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../fixtures/xmatters/${name}.json`, import.meta.url), 'utf8')).payload;

let world: World;
let install: ConfiguredInstallation;
const ROOM = 101; // private: an accepting HipChat user who is not a member is invited in

before(async () => {
  world = await startWorld({ worker: { pollMs: 50 } });
  install = await installAndConfigure(world, ROOM);
});
after(() => world.close());

let counter = 0;
async function newInvite(recipients: Array<{ targetName: string; recipientType: 'PERSON' | 'GROUP'; displayName: string }>) {
  const { inviteId } = await createInvite(world.addon.addon.inviteDeps, {
    installationId: install.oauthId,
    roomId: ROOM,
    roomName: 'Incident 42',
    inviterId: '1',
    inviterName: 'Alice Admin',
    inviterMention: 'alice',
    description: `Database is down ${++counter}`,
    idempotencyKey: null,
    recipients,
  });
  return inviteId;
}

const post = (body: unknown, auth = install.callback) =>
  request(world.addon.addon.app).post('/xmatters/callbacks').auth(auth.username, auth.password).send(body as object);
const roomTexts = () => world.hipchat.notifications(ROOM).map((n) => n.message);

function responsePayload(inviteId: string, fields: Record<string, unknown>, shape: 'array' | 'object' = 'array') {
  const base = fixture(shape === 'array' ? 'callback-response' : 'callback-response-object-properties');
  const properties = { invite_id: inviteId, room_id: String(ROOM), description: 'Database is down' };
  return {
    ...base,
    eventIdentifier: 9000 + counter,
    eventProperties: shape === 'array' ? Object.entries(properties).map(([k, v]) => ({ [k]: v })) : properties,
    ...fields,
  };
}

describe('responses', () => {
  test('Accept (eventProperties as an array): the room sees it, the HipChat user is invited and @mentioned', async () => {
    const inviteId = await newInvite([{ targetName: 'bsmith', recipientType: 'PERSON', displayName: 'Bob Smith' }]);
    const res = await post(responsePayload(inviteId, { recipient: 'bsmith', response: 'Accept', annotation: 'on my way', device: 'Work Email' }));
    assert.equal(res.status, 200);
    assert.equal(res.body.status, 'accepted');
    await waitFor(() => roomTexts().some((t) => t.startsWith('@bsmith accepted')), 'the acceptance is posted');
    const notice = world.hipchat.notifications(ROOM).find((n) => n.message.startsWith('@bsmith accepted'))!;
    assert.equal(notice.message, `@bsmith accepted — 'on my way' (Work Email) — invite ${inviteId.slice(0, 8)}. (matched to HipChat by e-mail address)`);
    assert.equal(notice.color, 'green');
    const [recipient] = await listRecipients(world.addon.addon.db, inviteId);
    assert.equal(recipient?.state, 'accepted');
    assert.equal(recipient?.hipchatUserId, '2');
    assert.ok(world.hipchat.state.room(ROOM).members.has(2), 'Bob was invited into the private room');
  });

  test('the same callback twice posts one notice', async () => {
    const inviteId = await newInvite([{ targetName: 'bsmith', recipientType: 'PERSON', displayName: 'Bob Smith' }]);
    const payload = responsePayload(inviteId, { recipient: 'bsmith', response: 'Decline', annotation: 'at the dentist' });
    assert.equal((await post(payload)).body.status, 'accepted');
    assert.equal((await post(payload)).body.status, 'duplicate');
    await waitFor(() => roomTexts().some((t) => t.includes(`declined — 'at the dentist'`) && t.includes(inviteId.slice(0, 8))), 'the decline is posted');
    await world.addon.addon.worker.runOnce();
    assert.equal(roomTexts().filter((t) => t.includes(inviteId.slice(0, 8)) && t.includes('declined')).length, 1);
  });

  test('Decline with eventProperties as an object and the annotation "null"', async () => {
    const inviteId = await newInvite([{ targetName: 'Database', recipientType: 'GROUP', displayName: 'Database' }]);
    // A group member answers: their row appears beside the group's.
    const res = await post(responsePayload(inviteId, { recipient: 'mmcbride' }, 'object'));
    assert.equal(res.status, 200, JSON.stringify(res.body));
    await waitFor(() => roomTexts().some((t) => t.startsWith('Mary McBride (mmcbride) declined (Work Email) —') && t.includes(inviteId.slice(0, 8))), 'the decline is posted');
    const notice = world.hipchat.notifications(ROOM).find((n) => n.message.includes(inviteId.slice(0, 8)) && n.message.includes('declined'))!;
    assert.equal(notice.color, 'red');
    assert.ok(!notice.message.includes("'null'"), 'no comment is shown for "null"');
    const states = Object.fromEntries((await listRecipients(world.addon.addon.db, inviteId)).map((r) => [r.targetName, r.state]));
    assert.equal(states.Database, 'sent', 'the group row stays as sent');
    assert.equal(states.mmcbride, 'declined');
  });

  test('an accepting responder found by email (not by mention name)', async () => {
    const inviteId = await newInvite([{ targetName: 'carol.jones', recipientType: 'PERSON', displayName: 'Carol Jones' }]);
    await post(responsePayload(inviteId, { recipient: 'carol.jones', response: 'Accept', annotation: 'null' }));
    await waitFor(() => roomTexts().some((t) => t.startsWith('@cjones accepted') && t.includes(inviteId.slice(0, 8))), 'Carol is @mentioned by her HipChat name');
  });

  test('an accepting responder who is not a HipChat user is named, and the notice says so', async () => {
    const inviteId = await newInvite([{ targetName: 'mmcbride', recipientType: 'PERSON', displayName: 'Mary McBride' }]);
    await post(responsePayload(inviteId, { recipient: 'mmcbride', response: 'Accept', annotation: 'null' }));
    await waitFor(() => roomTexts().some((t) => t.includes(inviteId.slice(0, 8)) && t.includes('No HipChat user of this group has the same e-mail address, so Mary McBride was not invited')), 'the notice explains');
  });

  test('a namesake is not invited: mention name = xMatters user ID counts only where an admin allowed it', async () => {
    // xMatters "dbrown" is Daniel Browning; HipChat's @dbrown is Dan Brown, another person.
    const first = await newInvite([{ targetName: 'dbrown', recipientType: 'PERSON', displayName: 'Daniel Browning' }]);
    await post(responsePayload(first, { recipient: 'dbrown', response: 'Accept', annotation: 'null' }));
    await waitFor(() => roomTexts().some((t) => t.includes(first.slice(0, 8)) && t.startsWith('Daniel Browning (dbrown) accepted')), 'the acceptance is posted without an @mention');
    assert.ok(!world.hipchat.state.room(ROOM).members.has(4), 'Dan Brown was not invited into the private room');
    assert.equal((await listRecipients(world.addon.addon.db, first))[0]?.hipchatUserId, null);

    // An admin turns the mention-name rule on; the next acceptance matches by it, and says so.
    const token = world.hipchat.signJwt(install.oauthId, { userId: 1, roomId: ROOM });
    const saved = await request(world.addon.addon.app)
      .post('/configure/api/settings')
      .set('Authorization', `JWT ${token}`)
      .send({ hostname: world.xmatters.baseUrl, username: 'hipchat', password: '', inviteUrl: world.xmatters.inviteUrl, matchMentionNames: true });
    assert.equal(saved.status, 200, saved.text);
    assert.equal(saved.body.settings.matchMentionNames, true);
    try {
      const second = await newInvite([{ targetName: 'dbrown', recipientType: 'PERSON', displayName: 'Daniel Browning' }]);
      await post(responsePayload(second, { recipient: 'dbrown', response: 'Accept', annotation: 'null' }));
      await waitFor(() => roomTexts().some((t) => t.includes(second.slice(0, 8)) && t.startsWith('@dbrown accepted') && t.includes('matched to HipChat by mention name')), 'matched by mention name, and said');
      assert.ok(world.hipchat.state.room(ROOM).members.has(4));
    } finally {
      await request(world.addon.addon.app)
        .post('/configure/api/settings')
        .set('Authorization', `JWT ${token}`)
        .send({ hostname: world.xmatters.baseUrl, username: 'hipchat', password: '', inviteUrl: world.xmatters.inviteUrl, matchMentionNames: false })
        .expect(200);
    }
  });

  test('two different long comments from one responder are two answers, not a replay', async () => {
    const inviteId = await newInvite([{ targetName: 'bsmith', recipientType: 'PERSON', displayName: 'Bob Smith' }]);
    const prefix = 'x'.repeat(300);
    const a = await post({ ...responsePayload(inviteId, { recipient: 'bsmith', response: 'Comment', annotation: `${prefix} first` }), eventIdentifier: 8101 });
    const b = await post({ ...responsePayload(inviteId, { recipient: 'bsmith', response: 'Comment', annotation: `${prefix} second` }), eventIdentifier: 8101 });
    assert.equal(a.body.status, 'accepted');
    assert.equal(b.body.status, 'accepted');
    await waitFor(() => roomTexts().filter((t) => t.includes(inviteId.slice(0, 8)) && t.includes(prefix)).length === 2, 'both comments are posted');
  });
});

describe('delivery and status', () => {
  test('a failed delivery is said in gray', async () => {
    const inviteId = await newInvite([{ targetName: 'nodevices', recipientType: 'PERSON', displayName: 'Ned Devereaux' }]);
    const payload = { ...fixture('callback-delivery-status'), eventIdentifier: 7001, recipient: 'nodevices', deliveryStatus: 'Failed', device: null, message: 'Failed sending to nodevices: no devices', eventProperties: [{ invite_id: inviteId }] };
    assert.equal((await post(payload)).status, 200);
    await waitFor(() => roomTexts().includes(`Could not reach nodevices: no devices — invite ${inviteId.slice(0, 8)}.`), 'the failure is posted');
    assert.equal(world.hipchat.notifications(ROOM).find((n) => n.message.startsWith('Could not reach nodevices'))?.color, 'gray');
    assert.equal((await listRecipients(world.addon.addon.db, inviteId))[0]?.state, 'failed');
  });

  test('the event being terminated is said; "active" is not', async () => {
    const inviteId = await newInvite([{ targetName: 'bsmith', recipientType: 'PERSON', displayName: 'Bob Smith' }]);
    const status = (s: string) => ({ ...fixture('callback-status'), eventIdentifier: 7002, status: s, eventProperties: { invite_id: inviteId } });
    assert.equal((await post(status('active'))).status, 200);
    assert.equal((await post(status('terminated'))).status, 200);
    await waitFor(() => roomTexts().includes(`xMatters event terminated — invite ${inviteId.slice(0, 8)}.`), 'the termination is posted');
    assert.ok(!roomTexts().some((t) => t.includes('event active')));
  });
});

describe('refusals change nothing', () => {
  const seen = async () => Number((await world.addon.addon.db('seen_events').count({ n: '*' }))[0]!.n);

  test('wrong or missing credentials: 401', async () => {
    const inviteId = await newInvite([{ targetName: 'bsmith', recipientType: 'PERSON', displayName: 'Bob Smith' }]);
    // The invite's own event sends its status and delivery webhooks first; they are not what is measured.
    await waitFor(() => world.xmatters.events.some((e) => e.properties.invite_id === inviteId), 'xMatters has the event', 15_000);
    await world.xmatters.idle();
    const before = await seen();
    const stateBefore = (await listRecipients(world.addon.addon.db, inviteId))[0]?.state;
    const payload = responsePayload(inviteId, { recipient: 'bsmith', response: 'Accept' });
    const wrong = await post(payload, { ...install.callback, password: 'guess' });
    assert.equal(wrong.status, 401);
    assert.match(String(wrong.headers['www-authenticate']), /^Basic/);
    assert.equal((await post(payload, { ...install.callback, username: 'xm-nobody' })).status, 401);
    assert.equal((await request(world.addon.addon.app).post('/xmatters/callbacks').send(payload)).status, 401);
    assert.equal(await seen(), before);
    assert.equal((await listRecipients(world.addon.addon.db, inviteId))[0]?.state, stateBefore);
  });

  test('fields longer than their columns: 400 naming the field, nothing stored', async () => {
    const inviteId = await newInvite([{ targetName: 'bsmith', recipientType: 'PERSON', displayName: 'Bob Smith' }]);
    const eventIdentifier = responsePayload(inviteId, {}).eventIdentifier;
    const seenForEvent = async () => (await world.addon.addon.db('seen_events').where('event_key', 'like', `xm:${eventIdentifier}:%`)).length;
    for (const field of ['recipient', 'response', 'device']) {
      const res = await post(responsePayload(inviteId, { recipient: 'bsmith', response: 'Accept', [field]: 'r'.repeat(300) }));
      assert.equal(res.status, 400, field);
      assert.match(res.body.error.message, new RegExp(`"${field}" is longer than 255 characters`));
    }
    assert.equal(await seenForEvent(), 0);
    assert.deepEqual((await listRecipients(world.addon.addon.db, inviteId)).map((r) => r.targetName), ['bsmith']);
  });

  test('unknown invite id: 404 with the reason, and nothing changes', async () => {
    const before = await seen();
    const res = await post(responsePayload('00000000-0000-4000-8000-000000000000', { recipient: 'bsmith' }));
    assert.equal(res.status, 404);
    assert.equal(res.body.error.code, 'unknown_invite');
    assert.match(res.body.error.message, /No invite 00000000/);
    assert.equal((await world.addon.addon.db('seen_events').where('event_key', 'like', `xm:${responsePayload('x', {}).eventIdentifier - 1}:%`)).length, 0);
    assert.ok((await seen()) >= before);
  });

  test('malformed payloads: 400 with the reason, logged without secrets', async () => {
    const { eventIdentifier, ...noId } = responsePayload('x', { recipient: 'bsmith' });
    void eventIdentifier;
    const res = await post(noId);
    assert.equal(res.status, 400);
    assert.match(res.body.error.message, /eventIdentifier/);
    assert.equal((await post({ hello: 'world' })).status, 400);
    const badJson = await request(world.addon.addon.app).post('/xmatters/callbacks').auth(install.callback.username, install.callback.password).set('content-type', 'application/json').send('{"a":');
    assert.equal(badJson.status, 400);
    const logs = world.addon.logs.join('');
    assert.match(logs, /"code":"invalid_callback".*"msg":"request refused"/);
    assert.ok(!logs.includes(install.callback.password), 'the callback password is not logged');
    assert.ok(!logs.includes('hipchat-pass'), 'the xMatters password is not logged');
  });
});

describe('the whole loop through the xMatters simulator', () => {
  test('invite → xMatters event → responder accepts in the simulator → callback → room notice', async () => {
    const inviteId = await newInvite([{ targetName: 'Database', recipientType: 'GROUP', displayName: 'Database' }]);
    await waitFor(() => world.xmatters.events.some((e) => e.properties.invite_id === inviteId), 'xMatters has the event', 15_000);
    const event = world.xmatters.events.find((e) => e.properties.invite_id === inviteId)!;
    assert.deepEqual(
      Object.keys(event.properties).sort(),
      ['description', 'invite_id', 'inviter_mention', 'inviter_name', 'room_id', 'room_link', 'room_name'],
    );
    world.xmatters.respond(event.eventIdentifier, 'bsmith', 'Accept', 'looking now');
    await waitFor(() => roomTexts().some((t) => t.startsWith(`@bsmith accepted — 'looking now'`) && t.includes(inviteId.slice(0, 8))), 'the acceptance arrives through the callback', 15_000);
    await waitFor(() => roomTexts().some((t) => t.startsWith('Alice Admin invited Database (group)') && t.includes(inviteId.slice(0, 8))), 'the invite notice is posted');
  });
});
