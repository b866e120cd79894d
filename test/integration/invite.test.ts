import assert from 'node:assert/strict';
import jwt from 'jsonwebtoken';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { installAndConfigure, startWorld, type World } from '../helpers/world';
import { waitFor } from '../helpers/wait';

const ALICE = 1; // group admin, owner of rooms 100 and 101
const BOB = 2; // owner of room 102, not an admin
const CAROL = 3; // neither

let world: World;
/** Room 100 "Ops War Room", configured. */
let roomInstall: string;
/** A global installation, configured with the same xMatters. */
let globalInstall: string;
/** Room 102 "Random" (Bob's), never configured. */
let bareInstall: string;

before(async () => {
  world = await startWorld({ startWorker: false });
  roomInstall = (await installAndConfigure(world, 100)).oauthId;
  globalInstall = (await installAndConfigure(world)).oauthId;
  const bare = await world.hipchat.install(world.addon.descriptorUrl, { roomId: 102 });
  assert.equal(bare.status, 204, bare.body);
  bareInstall = bare.installation!.oauthId;
});
after(async () => {
  await world?.close();
});

const app = () => world.addon.addon.app;
const token = (oauthId: string, userId: number, roomId?: number) => world.hipchat.signJwt(oauthId, { userId, ...(roomId === undefined ? {} : { roomId }) });

function dialog(oauthId: string, userId: number, roomId?: number) {
  const url = new URL(world.hipchat.pageUrl(oauthId, `${world.addon.baseUrl}/invite/dialog`, { userId, ...(roomId === undefined ? {} : { roomId }) }));
  return request(app()).get(url.pathname + url.search);
}

function lookup(q: string, oauthId = roomInstall) {
  return request(app()).get('/invite/api/recipients').query({ q }).set('Authorization', `JWT ${token(oauthId, ALICE)}`);
}

function send(body: unknown, opts: { oauthId?: string; userId?: number; roomId?: number; auth?: string } = {}) {
  const auth = opts.auth ?? token(opts.oauthId ?? roomInstall, opts.userId ?? ALICE, opts.roomId);
  return request(app()).post('/invite/api/invites').set('Authorization', `JWT ${auth}`).send(body as object);
}

let keys = 0;
const newKey = () => `test-key-${process.pid}-${++keys}`;
const BSMITH = { targetName: 'bsmith', type: 'PERSON', displayName: 'Bob Smith' };
const DATABASE = { targetName: 'Database', type: 'GROUP', displayName: 'Database' };
const invite = (overrides: Record<string, unknown> = {}) => ({
  recipients: [BSMITH, DATABASE],
  description: 'The orders database refuses connections. Please join.',
  idempotencyKey: newKey(),
  ...overrides,
});

/** Calls that reached the xMatters REST API (people and group searches). */
const xmSearches = () => world.xmatters.requests.filter((r) => r.path.startsWith('/api/xm/1/')).length;

async function stored() {
  const db = world.addon.addon.db;
  const count = async (table: string) => Number((await db(table).count({ n: '*' }).first())?.n ?? 0);
  return { invites: await count('invites'), recipients: await count('invite_recipients'), jobs: await count('jobs') };
}

function assertError(res: request.Response, status: number, code: string, field?: string, message?: RegExp) {
  assert.equal(res.status, status, res.text);
  assert.equal(res.body.error?.code, code, res.text);
  if (field !== undefined) assert.equal(res.body.error.field, field, res.text);
  if (message) assert.match(res.body.error.message, message);
}

describe('GET /invite/dialog', () => {
  test('configured: the recipient box and description, a fresh page token, HipChat all.js, no inline script', async () => {
    const res = await dialog(roomInstall, ALICE, 100);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.headers['cache-control'], 'no-store');
    const pageToken = /<meta name="token" content="([^"]+)">/.exec(res.text)?.[1];
    assert.ok(pageToken, 'page has a token');
    await request(app()).get('/invite/api/recipients').query({ q: 'bsmith' }).set('Authorization', `JWT ${pageToken}`).expect(200);
    assert.ok(res.text.includes(`<script src="${world.hipchat.baseUrl}/atlassian-connect/all.js"></script>`));
    assert.ok(res.text.includes('<script src="/public/js/invite-dialog.js" defer></script>'));
    assert.ok(res.text.includes('<link rel="stylesheet" href="/public/css/invite-dialog.css">'));
    assert.match(res.text, /<input id="recipient-input" type="text" role="combobox"/);
    assert.match(res.text, /role="listbox"/);
    assert.match(res.text, /<textarea id="description"/);
    assert.match(res.text, /data-max-recipients="10" data-max-description="2000"/);
    assert.match(res.text, /<div class="actions" id="standalone-actions" hidden>/, 'the in-page button waits for the script to find no HipChat');
    assert.doesNotMatch(res.text, /<script>|<script [^>]*>[^<]/, 'no inline script');
    assert.doesNotMatch(res.text, /not set up/);
  });

  test('the page\'s assets are served', async () => {
    await request(app()).get('/public/js/invite-dialog.js').expect(200).expect('content-type', /javascript/);
    await request(app()).get('/public/css/invite-dialog.css').expect(200).expect('content-type', /css/);
  });

  test('not configured, a group admin: says so and how to reach the configure tab, no search box', async () => {
    const res = await dialog(bareInstall, ALICE);
    assert.equal(res.status, 200, res.text);
    assert.match(res.text, /xMatters is not set up yet/);
    assert.match(res.text, /You can set it up/);
    assert.match(res.text, /open the room menu and choose <strong>Integrations<\/strong>/);
    assert.match(res.text, /<strong>xMatters On-Call Invite<\/strong> and click <strong>Configure<\/strong>/);
    assert.doesNotMatch(res.text, /role="combobox"/);
  });

  test('not configured, the owner of the installation\'s room: the same hint', async () => {
    assert.match((await dialog(bareInstall, BOB)).text, /You can set it up/);
  });

  test('not configured, anyone else: whom to ask, no steps', async () => {
    const res = await dialog(bareInstall, CAROL);
    assert.match(res.text, /xMatters is not set up yet/);
    assert.match(res.text, /Ask a HipChat group admin or the room owner to set it up: in HipChat, open the room menu → Integrations → xMatters On-Call Invite → Configure\./);
    assert.doesNotMatch(res.text, /You can set it up/);
  });

  test('not configured and HipChat cannot be asked who the user is: the generic text, still 200', async () => {
    world.hipchat.faults.failNext(2, 503);
    const res = await dialog(bareInstall, ALICE);
    world.hipchat.faults.failNext(0, 503);
    assert.equal(res.status, 200);
    assert.match(res.text, /Ask a HipChat group admin/);
  });

  test('without a JWT: 401, shown as a page in the dialog', async () => {
    const res = await request(app()).get('/invite/dialog');
    assert.equal(res.status, 401);
    assert.match(res.headers['content-type'] ?? '', /text\/html/);
    assert.match(res.text, /No JWT/);
  });

  test('a page token cannot load the dialog again: a leaked one is not renewed', async () => {
    const page = await dialog(roomInstall, ALICE, 100).expect(200);
    const pageToken = /<meta name="token" content="([^"]+)">/.exec(page.text)![1]!;
    const again = await request(app()).get(`/invite/dialog?signed_request=${pageToken}`);
    assert.equal(again.status, 401);
    assert.doesNotMatch(again.text, /<meta name="token"/, 'no fresh token is handed out');
    // It still works for what the page itself calls.
    await request(app()).get('/invite/api/recipients').query({ q: 'bsmith' }).set('Authorization', `JWT ${pageToken}`).expect(200);
  });
});

describe('GET /invite/api/recipients', () => {
  test('finds people and groups: name, targetName, type and status', async () => {
    const people = await lookup('bsmith').expect(200);
    assert.equal(people.headers['cache-control'], 'no-store');
    const bob = people.body.recipients.find((r: { targetName: string }) => r.targetName === 'bsmith');
    assert.deepEqual({ ...bob, id: undefined }, { id: undefined, targetName: 'bsmith', displayName: 'Bob Smith', type: 'PERSON', status: 'ACTIVE' });
    const groups = await lookup('Database').expect(200);
    const names = groups.body.recipients.filter((r: { type: string }) => r.type === 'GROUP').map((r: { targetName: string }) => r.targetName);
    assert.ok(names.includes('Database') && names.includes('Database Admins'), names.join());
    assert.ok(groups.body.recipients.length <= 20);
  });

  test('1 character, 101 characters, blanks or no q: 400 naming q, xMatters not asked', async () => {
    const before = xmSearches();
    assertError(await lookup('b'), 400, 'invalid', 'q', /^q: Type at least 2 characters/);
    assertError(await lookup(' b  '), 400, 'invalid', 'q', /at least 2/);
    assertError(await lookup('b'.repeat(101)), 400, 'invalid', 'q', /at most 100/);
    const none = await request(app()).get('/invite/api/recipients').set('Authorization', `JWT ${token(roomInstall, ALICE)}`);
    assertError(none, 400, 'invalid', 'q', /required/);
    assert.equal(xmSearches(), before);
    await lookup('b'.repeat(100)).expect(200);
  });

  test('the same lookup again is answered from the cache, whatever its case and spacing', async () => {
    await lookup('mary mc').expect(200);
    const before = xmSearches();
    assert.ok(before > 0);
    const again = await lookup('  Mary   MC ').expect(200);
    assert.ok(again.body.recipients.some((r: { targetName: string }) => r.targetName === 'mmcbride'));
    assert.equal(xmSearches(), before, 'the second lookup did not reach xMatters');
  });

  test('another installation does not share the cache', async () => {
    await lookup('mcbride').expect(200);
    const before = xmSearches();
    await lookup('mcbride', globalInstall).expect(200);
    assert.ok(xmSearches() > before, 'the other installation asked xMatters itself');
  });

  test('xMatters failing: 502 with one clear line; the failure is not cached', async () => {
    world.xmatters.faults.failNext(2, 503);
    const res = await lookup('network');
    world.xmatters.faults.reset();
    assertError(res, 502, 'xmatters_server_error', undefined, /^Could not search xMatters: xMatters at 127\.0\.0\.1:\d+ had a problem \(503\)\. Try again in a few minutes\.$/);
    const before = xmSearches();
    const retried = await lookup('network').expect(200);
    assert.ok(xmSearches() > before);
    assert.ok(retried.body.recipients.some((r: { targetName: string }) => r.targetName === 'Network'));
  });

  test('xMatters rate limiting: 429 with Retry-After', async () => {
    world.xmatters.faults.failNext(2, 429, { retryAfter: 30 });
    const res = await lookup('database admins');
    world.xmatters.faults.reset();
    assertError(res, 429, 'xmatters_rate_limited', undefined, /^Could not search xMatters: xMatters is limiting requests \(429\)\. Try again in 30 seconds\.$/);
    assert.equal(res.headers['retry-after'], '30');
  });

  test('no xMatters settings: 409 not_configured', async () => {
    assertError(await lookup('bsmith', bareInstall), 409, 'not_configured', undefined, /Integrations → xMatters On-Call Invite → Configure/);
  });

  test('without a JWT: 401', async () => {
    assertError(await request(app()).get('/invite/api/recipients').query({ q: 'bsmith' }), 401, 'invalid_jwt');
  });
});

describe('POST /invite/api/invites', () => {
  test('a valid invite: 202 with its id; the invite, both recipients and one trigger job are stored', async () => {
    const body = invite();
    const res = await send(body);
    assert.equal(res.status, 202, res.text);
    const { inviteId } = res.body;
    assert.match(inviteId, /^[0-9a-f-]{36}$/);
    const db = world.addon.addon.db;
    const row = await db('invites').where({ id: inviteId }).first();
    assert.equal(row.installation_id, roomInstall);
    assert.equal(Number(row.room_id), 100);
    assert.equal(row.room_name, 'Ops War Room');
    assert.equal(row.inviter_id, String(ALICE));
    assert.equal(row.inviter_name, 'Alice Admin');
    assert.equal(row.inviter_mention, 'alice');
    assert.equal(row.description, body.description);
    assert.equal(row.state, 'pending');
    const recipients = await db('invite_recipients').where({ invite_id: inviteId }).orderBy('id');
    assert.deepEqual(
      recipients.map((r) => [r.target_name, r.recipient_type, r.display_name]),
      [
        ['bsmith', 'PERSON', 'Bob Smith'],
        ['Database', 'GROUP', 'Database'],
      ],
    );
    const jobs = await db('jobs').where({ kind: 'xmatters.trigger' }).andWhere('payload', 'like', `%${inviteId}%`);
    assert.equal(jobs.length, 1);
    assert.equal(jobs[0].state, 'pending');
  });

  test('the description is trimmed; a recipient without displayName is named by its targetName', async () => {
    const res = await send(invite({ recipients: [{ targetName: 'mmcbride', type: 'PERSON' }], description: '  DB down  ' }));
    assert.equal(res.status, 202, res.text);
    const db = world.addon.addon.db;
    assert.equal((await db('invites').where({ id: res.body.inviteId }).first()).description, 'DB down');
    assert.equal((await db('invite_recipients').where({ invite_id: res.body.inviteId }).first()).display_name, 'mmcbride');
  });

  test('a double click (the same idempotency key twice, also at once) is one invite and one job', async () => {
    const body = invite();
    const first = await send(body);
    assert.equal(first.status, 202, first.text);
    const before = await stored();
    const second = await send(body);
    assert.equal(second.status, 202, second.text);
    assert.equal(second.body.inviteId, first.body.inviteId);
    assert.deepEqual(await stored(), before);

    const racing = invite();
    const [a, b] = await Promise.all([send(racing), send(racing)]);
    assert.equal(a.status, 202, a.text);
    assert.equal(b.status, 202, b.text);
    assert.equal(a.body.inviteId, b.body.inviteId);
    const after = await stored();
    assert.equal(after.invites, before.invites + 1);
    // Its trigger, the room glance's update and its nudge.
    assert.equal(after.jobs, before.jobs + 3);
  });

  const tooMany = Array.from({ length: 11 }, (_, i) => ({ targetName: `person${i}`, type: 'PERSON', displayName: `Person ${i}` }));
  const invalid: Array<[string, Record<string, unknown>, string, RegExp]> = [
    ['no recipients', { recipients: undefined }, 'recipients', /^recipients: Pick at least one recipient$/],
    ['an empty recipient list', { recipients: [] }, 'recipients', /Pick at least one recipient/],
    ['11 recipients', { recipients: tooMany }, 'recipients', /at most 10 recipients/],
    ['the same recipient twice', { recipients: [BSMITH, DATABASE, { ...BSMITH }] }, 'recipients', /^recipients\.2\.targetName: bsmith is picked twice$/],
    ['an unknown recipient type', { recipients: [{ ...BSMITH, type: 'ROBOT' }] }, 'recipients', /type must be PERSON or GROUP/],
    ['a targetName over 255 characters', { recipients: [{ ...BSMITH, targetName: 'x'.repeat(256) }] }, 'recipients', /at most 255/],
    ['an empty description', { description: '' }, 'description', /^description: Write a description$/],
    ['a blank description', { description: '   \n ' }, 'description', /Write a description/],
    ['a 2001-character description', { description: 'x'.repeat(2001) }, 'description', /at most 2000 characters/],
    ['no idempotency key', { idempotencyKey: undefined }, 'idempotencyKey', /idempotencyKey is required/],
    ['a short idempotency key', { idempotencyKey: 'abc' }, 'idempotencyKey', /8–100 letters/],
    ['an idempotency key with other characters', { idempotencyKey: 'abc def ghi' }, 'idempotencyKey', /8–100 letters/],
  ];
  for (const [what, overrides, field, message] of invalid) {
    test(`${what}: 400 naming ${field}, nothing stored`, async () => {
      const before = await stored();
      assertError(await send(invite(overrides)), 400, 'invalid', field, message);
      assert.deepEqual(await stored(), before);
    });
  }

  test('a 2000-character description is accepted', async () => {
    assert.equal((await send(invite({ description: 'x'.repeat(2000) }))).status, 202);
  });

  test('a body that is not an object, or not JSON: 400; over 32 kB: 413; nothing stored', async () => {
    const before = await stored();
    assertError(await send([invite()]), 400, 'invalid', undefined, /JSON object/);
    const notJson = await request(app()).post('/invite/api/invites').set('Authorization', `JWT ${token(roomInstall, ALICE)}`).set('Content-Type', 'application/json').send('{"recipients":');
    assertError(notJson, 400, 'invalid_json', undefined, /not valid JSON/);
    assertError(await send(invite({ description: 'x'.repeat(33_000) })), 413, 'too_large');
    assert.deepEqual(await stored(), before);
  });

  test('simultaneous requests with one idempotency key make one invite (on PostgreSQL too)', async () => {
    const before = await stored();
    const body = invite();
    const answers = await Promise.all(Array.from({ length: 4 }, () => send(body)));
    assert.deepEqual(answers.map((a) => a.status), [202, 202, 202, 202], answers.map((a) => a.text).join('\n'));
    assert.equal(new Set(answers.map((a) => a.body.inviteId)).size, 1, 'every answer names the same invite');
    const after = await stored();
    assert.equal(after.invites - before.invites, 1);
    assert.equal(after.recipients - before.recipients, 2);
    assert.equal(after.jobs - before.jobs, 3, 'its trigger, the room glance\'s update and its nudge');
  });

  test('a room installation\'s token naming another room: 403, nothing stored', async () => {
    const before = await stored();
    const res = await send(invite(), { oauthId: roomInstall, roomId: 101 });
    assertError(res, 403, 'wrong_room', undefined, /belongs to room 100, not room 101/);
    assert.deepEqual(await stored(), before);
    // The same with the page's own token, made for room 100 and then edited: its signature breaks.
    const page = await dialog(roomInstall, ALICE, 100).expect(200);
    const pageToken = /<meta name="token" content="([^"]+)">/.exec(page.text)![1]!;
    const [h, p, sig] = pageToken.split('.');
    const edited = JSON.parse(Buffer.from(p!, 'base64url').toString());
    edited.context.room_id = 101;
    assertError(await send(invite(), { auth: `${h}.${Buffer.from(JSON.stringify(edited)).toString('base64url')}.${sig}` }), 401, 'invalid_jwt');
    assert.deepEqual(await stored(), before);
  });

  test('text with a lone surrogate: 400 naming the field, nothing stored, xMatters not called', async () => {
    const before = await stored();
    const searches = xmSearches();
    assertError(await send(invite({ description: 'Disk \ud800 full' })), 400, 'invalid', 'description', /broken or control character/);
    assertError(await send(invite({ recipients: [{ ...BSMITH, displayName: 'Bob \udc00' }] })), 400, 'invalid', 'recipients', /broken or control character/);
    assert.equal(xmSearches(), searches);
    assert.deepEqual(await stored(), before);
  });

  test('an unknown installation: 401, nothing stored', async () => {
    const before = await stored();
    const now = Math.floor(Date.now() / 1000);
    const forged = jwt.sign({ iss: 'not-an-installation', sub: '1', iat: now, exp: now + 60, context: { room_id: 100 } }, 'some-secret');
    assertError(await send(invite(), { auth: forged }), 401, 'invalid_jwt', undefined, /does not know/);
    assert.deepEqual(await stored(), before);
  });

  test('without xMatters settings: 409 not_configured, nothing stored', async () => {
    const before = await stored();
    assertError(await send(invite(), { oauthId: bareInstall }), 409, 'not_configured');
    assert.deepEqual(await stored(), before);
  });

  test('a token that names no room (global installation): 400 no_room', async () => {
    assertError(await send(invite(), { oauthId: globalInstall }), 400, 'no_room', undefined, /Open the dialog from the room/);
    assert.equal((await send(invite(), { oauthId: globalInstall, roomId: 101 })).status, 202);
  });

  test('HipChat unable to name the room or the inviter: the invite is accepted without the names', async () => {
    world.hipchat.faults.failNext(2, 503);
    const res = await send(invite());
    world.hipchat.faults.failNext(0, 503);
    assert.equal(res.status, 202, res.text);
    const row = await world.addon.addon.db('invites').where({ id: res.body.inviteId }).first();
    assert.equal(row.room_name, null);
    assert.equal(row.inviter_name, null);
    assert.equal(row.inviter_id, String(ALICE));
  });

  test('a failure inside the transaction leaves neither the invite, its recipients nor its job', async () => {
    const db = world.addon.addon.db;
    const pg = world.addon.addon.config.database.client === 'pg';
    // The second recipient's insert fails after the invite row was written in the same transaction.
    if (pg) {
      await db.raw(`create function refuse_recipient() returns trigger as $$ begin if new.target_name = 'explode' then raise exception 'refused by test'; end if; return new; end $$ language plpgsql`);
      await db.raw('create trigger refuse_recipient before insert on invite_recipients for each row execute function refuse_recipient()');
    } else {
      await db.raw(`create trigger refuse_recipient before insert on invite_recipients when new.target_name = 'explode' begin select raise(abort, 'refused by test'); end`);
    }
    try {
      const before = await stored();
      const body = invite({ recipients: [BSMITH, { targetName: 'explode', type: 'PERSON', displayName: 'Explode' }] });
      assertError(await send(body), 500, 'internal', undefined, /x-request-id/);
      assert.deepEqual(await stored(), before);
      assert.equal(await db('invites').where({ idempotency_key: body.idempotencyKey }).first(), undefined);
    } finally {
      await db.raw('drop trigger refuse_recipient' + (pg ? ' on invite_recipients' : ''));
      if (pg) await db.raw('drop function refuse_recipient()');
    }
  });
});

describe('with the delivery worker on', () => {
  let live: World;
  before(async () => {
    live = await startWorld({ worker: { pollMs: 50 } });
  });
  after(async () => {
    await live?.close();
  });

  test('the xMatters event has both recipients and the invite properties, and the room gets the notice', async () => {
    const { oauthId } = await installAndConfigure(live, 100);
    const description = 'Orders DB refuses connections since 09:12; please join.';
    const res = await request(live.addon.addon.app)
      .post('/invite/api/invites')
      .set('Authorization', `JWT ${live.hipchat.signJwt(oauthId, { userId: ALICE, roomId: 100 })}`)
      .send({ recipients: [BSMITH, DATABASE], description, idempotencyKey: newKey() });
    assert.equal(res.status, 202, res.text);
    const { inviteId } = res.body;

    const eventOf = () => live.xmatters.events.find((e) => e.properties.invite_id === inviteId);
    await waitFor(() => eventOf() !== undefined, 'xMatters has the event');
    const event = eventOf()!;
    assert.deepEqual(event.recipients, [{ id: 'bsmith', recipientType: 'PERSON' }, { id: 'Database', recipientType: 'GROUP' }]);
    assert.deepEqual(event.properties, {
      invite_id: inviteId,
      room_id: '100',
      room_name: 'Ops War Room',
      room_link: `${live.hipchat.baseUrl}/chat/room/100`,
      description,
      inviter_name: 'Alice Admin',
      inviter_mention: 'alice',
    });

    const noticeOf = () => live.hipchat.notifications(100).find((n) => n.message.includes(`invite ${inviteId.slice(0, 8)}`));
    await waitFor(() => noticeOf() !== undefined, 'the room has the invite notice');
    assert.match(noticeOf()!.message, /^Alice Admin invited Bob Smith \(bsmith\) and Database \(group\) through xMatters: "Orders DB refuses/);
  });
});
