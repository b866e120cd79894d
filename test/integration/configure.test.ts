import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { strFromU8, unzipSync } from 'fflate';
import request from 'supertest';
import { createInvite } from '../../lib/invites/service';
import { hashPassword } from '../../lib/security/callback-credentials';
import { findInvite } from '../../lib/store/invites';
import { startHipChatSim, type HipChatSim } from '../../sim/hipchat/server';
import { INVITE_FUNCTION, startXMattersSim, type XMattersSim } from '../../sim/xmatters/server';
import { startAddon, type RunningAddon } from '../helpers/addon';
import { waitFor } from '../helpers/wait';

const ALICE = 1; // group admin, owner of rooms 100 and 101
const BOB = 2; // neither admin nor owner of room 100; owner of room 102
const WRONG_PASSWORD = 'wrong-pass-7c1d';
/** The key in the simulator's Invite to Room URL with URL authentication. */
const API_KEY = INVITE_FUNCTION.apiKey;

let hipchat: HipChatSim;
let xm: XMattersSim;
let addon: RunningAddon;
/** Room 100 "Ops War Room". */
let roomInstall: string;
let globalInstall: string;
/** Room 102 "Random", owned by Bob. */
let bobsRoomInstall: string;
/** Every response body the add-on sent in this file, to check that no password ever left it. */
const bodies: string[] = [];
/** Callback passwords handed out: each may appear in exactly one response. */
const callbackPasswords: string[] = [];

before(async () => {
  hipchat = await startHipChatSim();
  xm = await startXMattersSim({ people: 50, groups: 10 });
  addon = await startAddon({ hipchatAllowedHosts: [new URL(hipchat.baseUrl).host], env: { XMATTERS_ALLOWED_HOSTS: xm.hostname } });
  roomInstall = await install(hipchat, addon, 100);
  globalInstall = await install(hipchat, addon);
  bobsRoomInstall = await install(hipchat, addon, 102);
});
after(async () => {
  await addon?.close();
  await xm?.close();
  await hipchat?.close();
});

async function install(sim: HipChatSim, running: RunningAddon, roomId?: number): Promise<string> {
  const result = await sim.install(running.descriptorUrl, roomId === undefined ? {} : { roomId });
  assert.equal(result.status, 204, result.body);
  return result.installation!.oauthId;
}

function record(res: request.Response): request.Response {
  bodies.push(res.text);
  return res;
}

async function page(userId: number, oauthId = roomInstall): Promise<request.Response> {
  const url = new URL(hipchat.pageUrl(oauthId, `${addon.baseUrl}/configure`, { userId }));
  return record(await request(addon.baseUrl).get(url.pathname + url.search));
}

async function post(path: string, body: unknown, userId = ALICE, oauthId = roomInstall): Promise<request.Response> {
  const token = hipchat.signJwt(oauthId, { userId });
  return record(await request(addon.baseUrl).post(`/configure/api/${path}`).set('Authorization', `JWT ${token}`).send(body as object));
}

const credentials = (overrides: Record<string, string> = {}) => ({
  hostname: `http://${xm.hostname}`,
  username: xm.credentials.username,
  password: xm.credentials.password,
  ...overrides,
});
const settings = (overrides: Record<string, string> = {}) => ({ ...credentials(), inviteUrl: xm.inviteUrl, ...overrides });

const storedRow = (oauthId = roomInstall) => addon.addon.db('xmatters_settings').where({ installation_id: oauthId }).first();

function assertError(res: request.Response, status: number, code: string, message?: RegExp) {
  assert.equal(res.status, status, res.text);
  assert.equal(res.body.error?.code, code, res.text);
  if (message) assert.match(res.body.error.message, message);
}

describe('the page', () => {
  test('renders the form for a group admin, with a page token, HipChat all.js and the fields', async () => {
    const res = await page(ALICE);
    assert.equal(res.status, 200);
    assert.match(res.text, /<meta name="token" content="[\w-]+\.[\w-]+\.[\w-]+">/);
    assert.ok(res.text.includes(`<script src="${hipchat.baseUrl}/atlassian-connect/all.js"></script>`));
    assert.ok(res.text.includes('<script src="/public/js/configure.js" defer></script>'));
    for (const field of ['hostname', 'username', 'password']) assert.match(res.text, new RegExp(`<input id="${field}"`));
    assert.match(res.text, /Test Authentication/);
    assert.match(res.text, /<div id="invite-step" hidden>/, 'the Invite to Room URL waits for a successful test');
    assert.match(res.text, /installed in the room Ops War Room/);
    assert.match(res.text, /REST Web Service User role/);
    assert.doesNotMatch(res.text, /<script>/, 'no inline script');
  });

  test('is read-only for someone who is neither a group admin nor the room owner, and says who can change it', async () => {
    const res = await page(BOB);
    assert.equal(res.status, 200);
    assert.doesNotMatch(res.text, /id="settings-form"/);
    assert.doesNotMatch(res.text, /Test Authentication|Save Settings|Regenerate/);
    assert.match(res.text, /Only a HipChat group admin or the room owner can change these settings \(ask Alice Admin\)/);
  });

  test('a global installation configures the group: admins edit, others read', async () => {
    const admin = await page(ALICE, globalInstall);
    assert.match(admin.text, /installed for the whole group Acme/);
    assert.match(admin.text, /id="settings-form"/);
    const other = await page(BOB, globalInstall);
    assert.match(other.text, /Only a HipChat group admin can change these settings\./);
    assert.doesNotMatch(other.text, /id="settings-form"/);
  });

  test('the owner of the installation\'s room may edit it without being an admin', async () => {
    const res = await page(BOB, bobsRoomInstall);
    assert.match(res.text, /id="settings-form"/);
    assertOk(await post('test', credentials(), BOB, bobsRoomInstall));
  });

  test('when HipChat cannot be asked, the page is read-only and says so', async () => {
    hipchat.faults.failNext(2, 503);
    const res = await page(ALICE);
    assert.equal(res.status, 200);
    assert.doesNotMatch(res.text, /id="settings-form"/);
    assert.match(res.text, /Could not check with HipChat whether you may change these settings/);
    hipchat.faults.failNext(0, 503);
  });
});

function assertOk(res: request.Response) {
  assert.equal(res.status, 200, res.text);
}

describe('POST /configure/api/test', () => {
  test('right credentials: the person xMatters signed in is named', async () => {
    const res = await post('test', credentials());
    assertOk(res);
    assert.equal(res.body.ok, true);
    assert.equal(res.body.message, 'Signed in to xMatters as Integration User (hipchat).');
    assert.deepEqual(res.body.person, { displayName: 'Integration User', targetName: 'hipchat' });
  });

  test('wrong password: the 401 sentence, about the password field', async () => {
    const res = await post('test', credentials({ password: WRONG_PASSWORD }));
    assertError(res, 400, 'xmatters_bad_credentials', /xMatters refused the username or password \(401\)/);
    assert.equal(res.body.error.field, 'password');
  });

  test('a user without the REST role: the 403 sentence', async () => {
    const res = await post('test', credentials({ username: 'norole', password: 'norole-pass' }));
    assertError(res, 400, 'xmatters_forbidden', /"norole" may not use the REST API \(403\)\. Give the user the REST Web Service User role/);
  });

  test('missing fields: 400 naming them', async () => {
    const res = await post('test', { hostname: xm.hostname });
    assertError(res, 400, 'invalid_request', /username: The username is required; password: The password is required/);
    assert.equal(res.body.error.field, 'username');
  });

  test('too long a hostname: 400 naming the field', async () => {
    assertError(await post('test', credentials({ hostname: 'a'.repeat(301) })), 400, 'invalid_request', /^hostname: .*300/);
  });

  test('a body over 16 kB is refused', async () => {
    assertError(await post('test', credentials({ password: 'x'.repeat(17_000) })), 413, 'too_large');
  });

  test('not a group admin nor the room owner: 403 with whom to ask, and xMatters is not called', async () => {
    const before = xm.requests.length;
    const res = await post('test', credentials(), BOB);
    assertError(res, 403, 'forbidden');
    assert.equal(res.body.error.message, 'Only a HipChat group admin or the room owner can change these settings (ask Alice Admin).');
    assert.equal(xm.requests.length, before);
  });

  test('without the page JWT: 401', async () => {
    const res = record(await request(addon.baseUrl).post('/configure/api/test').send(credentials()));
    assertError(res, 401, 'invalid_jwt');
  });

  test('HipChat failing to answer who may: 503, nothing guessed', async () => {
    hipchat.faults.failNext(2, 503);
    const res = await post('test', credentials());
    hipchat.faults.failNext(0, 503);
    assertError(res, 503, 'hipchat_unavailable', /Could not check with HipChat/);
  });
});

describe('POST /configure/api/settings', () => {
  test('an Invite to Room URL on another host: 400, nothing stored', async () => {
    const res = await post('settings', settings({ inviteUrl: `https://evil.example.com${new URL(xm.inviteUrl).pathname}` }));
    assertError(res, 400, 'invalid_invite_url', /points to evil\.example\.com, but the xMatters hostname is 127\.0\.0\.1:\d+/);
    assert.equal(res.body.error.field, 'inviteUrl');
    assert.equal(await storedRow(), undefined);
  });

  test('a URL that is not a trigger: 400, nothing stored', async () => {
    assertError(await post('settings', settings({ inviteUrl: `${xm.baseUrl}/api/xm/1/people` })), 400, 'invalid_invite_url', /api\/integration\/1\/functions/);
    assert.equal(await storedRow(), undefined);
  });

  test('missing fields: 400, nothing stored', async () => {
    assertError(await post('settings', settings({ password: '' })), 400, 'invalid_request', /password: Enter the password/);
    assertError(await post('settings', settings({ inviteUrl: 42 as unknown as string })), 400, 'invalid_request', /inviteUrl: The Invite to Room URL must be text/);
    assertError(await post('settings', 'hostname=x'), 400, 'invalid_request', /JSON object/);
    assert.equal(await storedRow(), undefined);
  });

  test('wrong password: 400, nothing stored', async () => {
    assertError(await post('settings', settings({ password: WRONG_PASSWORD })), 400, 'xmatters_bad_credentials');
    assert.equal(await storedRow(), undefined);
  });

  test('not a group admin nor the room owner: 403, nothing stored', async () => {
    assertError(await post('settings', settings(), BOB), 403, 'forbidden');
    assert.equal(await storedRow(), undefined);
  });

  test('success: stored with the password sealed; the callback password is given once', async () => {
    const res = await post('settings', settings());
    assertOk(res);
    assert.equal(res.body.settings.hostname, `http://${xm.hostname}`);
    assert.equal(res.body.settings.username, 'hipchat');
    assert.equal(res.body.settings.inviteUrl, xm.inviteUrl);
    assert.equal(res.body.settings.verifiedAs, 'Integration User (hipchat)');
    assert.equal(res.body.settings.updatedByName, 'Alice Admin');
    assert.equal(res.body.callback.url, `${addon.baseUrl}/xmatters/callbacks`);
    assert.match(res.body.callback.username, /^xm-/);
    assert.equal(typeof res.body.callback.password, 'string');
    callbackPasswords.push(res.body.callback.password);

    const row = await storedRow();
    assert.ok(row);
    assert.match(row.password_sealed, /^v1\./);
    assert.ok(!row.password_sealed.includes(xm.credentials.password));
    assert.equal(row.callback_password_hash, hashPassword(res.body.callback.password));
    assert.ok(!JSON.stringify(row).includes(res.body.callback.password), 'the callback password itself is not stored');
    assert.equal(row.updated_by, String(ALICE));
    assert.ok(Number(row.verified_at) > 0);
  });

  test('the saved page shows the settings, who verified and changed them, and the callback URL — no password', async () => {
    const res = await page(ALICE);
    const row = await storedRow();
    assert.match(res.text, new RegExp(`value="http://${xm.hostname}"`));
    assert.match(res.text, /value="hipchat"/);
    assert.ok(res.text.includes(`value="${xm.inviteUrl}"`));
    assert.match(res.text, /<div id="invite-step" >/, 'the Invite to Room URL is shown on a saved page');
    assert.match(res.text, /as Integration User \(hipchat\)/);
    assert.match(res.text, /by Alice Admin/);
    assert.match(res.text, /Set up xMatters/);
    assert.match(res.text, /Download the xMatters communication plan/);
    assert.ok(res.text.includes(`${addon.baseUrl}/xmatters/callbacks`));
    assert.ok(res.text.includes(row.callback_username));
    assert.match(res.text, /<input id="password" name="password" type="password" maxlength="1024" autocomplete="new-password"/, 'no value, no placeholder');
    assert.match(res.text, /Leave this empty to keep it/);
    for (const secret of [xm.credentials.password, ...callbackPasswords]) assert.ok(!res.text.includes(secret));
  });

  test('the read-only page shows the saved settings too', async () => {
    const res = await page(BOB);
    assert.ok(res.text.includes(xm.inviteUrl));
    assert.match(res.text, /<dd>hipchat<\/dd>/);
    assert.ok(!res.text.includes(xm.credentials.password));
  });

  test('an empty password keeps the stored one, and unchanged verified credentials are not re-tested', async () => {
    const before = await storedRow();
    const requests = xm.requests.length;
    const res = await post('settings', settings({ password: '' }));
    assertOk(res);
    assert.equal(res.body.callback.password, undefined, 'the callback password is not shown again');
    assert.equal(xm.requests.length, requests, 'xMatters was not asked again');
    const after = await storedRow();
    assert.equal(after.password_sealed, before.password_sealed);
    assert.equal(after.callback_password_hash, before.callback_password_hash);
    // The kept password still works: the test endpoint uses it.
    assertOk(await post('test', credentials({ password: '' })));
  });

  test('the saved password is not sent to another host or user', async () => {
    const res = await post('settings', settings({ username: 'norole', password: '' }));
    assertError(res, 400, 'invalid_request', /Enter the password again/);
    assert.equal(res.body.error.field, 'password');
  });

  test('changed credentials are tested again; wrong ones leave the stored settings as they were', async () => {
    const before = await storedRow();
    assertError(await post('settings', settings({ password: WRONG_PASSWORD })), 400, 'xmatters_bad_credentials');
    assert.deepEqual(await storedRow(), before);
  });
});

describe('an Invite to Room URL with an API key (URL authentication)', () => {
  const masked = () => `${xm.inviteUrl}?apiKey=••••••`;
  const KEY_HELP = 'A key is saved. Leave the URL as it is to keep it; paste a new URL to change it.';
  const targetUrl = async () => (await addon.addon.inviteDeps.xmattersFor(roomInstall))?.inviteUrl;

  test('is stored with the key sealed, and answered with the key masked', async () => {
    const res = await post('settings', settings({ password: '', inviteUrl: xm.inviteUrlWithApiKey }));
    assertOk(res);
    assert.equal(res.body.settings.inviteUrl, masked());
    assert.equal(res.body.settings.inviteUrlKeySaved, true);
    assert.ok(!res.text.includes(API_KEY));
    const row = await storedRow();
    assert.ok(!JSON.stringify(row).includes(API_KEY), 'the key is not in the database');
    assert.ok(row.invite_url.startsWith(`${xm.inviteUrl}?apiKey=v1.`), row.invite_url);
    assert.equal(await targetUrl(), xm.inviteUrlWithApiKey, 'the trigger gets the real URL');
  });

  test('the page shows it masked: editors with the help line, readers too', async () => {
    const editor = await page(ALICE);
    assert.ok(!editor.text.includes(API_KEY));
    assert.ok(editor.text.includes(`value="${masked()}"`));
    assert.ok(editor.text.includes(`<p class="help" id="inviteUrl-key-help" >${KEY_HELP}</p>`));
    const reader = await page(BOB);
    assert.ok(!reader.text.includes(API_KEY));
    assert.ok(reader.text.includes(masked()));
    assert.match(reader.text, /a key is saved; it is never shown/);
  });

  test('saving the URL as shown keeps the key: invites still reach xMatters with it', async () => {
    const before = await storedRow();
    for (const inviteUrl of [masked(), new URL(masked()).toString()]) {
      const res = await post('settings', settings({ password: '', inviteUrl }));
      assertOk(res);
      assert.equal(res.body.settings.inviteUrl, masked());
      assert.equal(await targetUrl(), xm.inviteUrlWithApiKey);
    }
    const after = await storedRow();
    assert.notEqual(after.invite_url, before.invite_url, 'sealed afresh');
    assert.ok(!after.invite_url.includes(API_KEY));

    const triggers = xm.triggers.length;
    const { inviteId } = await createInvite(addon.addon.inviteDeps, {
      installationId: roomInstall,
      roomId: 100,
      roomName: 'Ops War Room',
      inviterId: String(ALICE),
      inviterName: 'Alice Admin',
      inviterMention: 'alice',
      description: 'Database is down',
      idempotencyKey: null,
      recipients: [{ targetName: 'bsmith', recipientType: 'PERSON', displayName: 'Bob Smith' }],
    });
    await waitFor(async () => (await findInvite(addon.addon.db, inviteId))?.state === 'sent', 'the invite is sent');
    const sent = xm.triggers.slice(triggers);
    assert.deepEqual(sent.map((t) => [t.auth, t.status]), [['apiKey', 202]], 'xMatters accepted the key');
  });

  test('a masked URL that is not the saved one is refused on the URL field; nothing changes', async () => {
    const before = await storedRow();
    const otherFunction = masked().replace(/functions\/[0-9a-f]{8}/, 'functions/00000000');
    const otherHost = `https://evil.example.com${new URL(masked()).pathname}?apiKey=••••••`;
    for (const inviteUrl of [otherFunction, otherHost, `${masked()}&debug=1`]) {
      const res = await post('settings', settings({ password: '', inviteUrl }));
      assertError(res, 400, 'invalid_invite_url', /changed, but its key is hidden.*paste the full URL with its key again/);
      assert.equal(res.body.error.field, 'inviteUrl');
    }
    assert.deepEqual(await storedRow(), before);
  });

  test('a new URL replaces the key; then a masked URL has no key to keep', async () => {
    const res = await post('settings', settings({ password: '', inviteUrl: xm.inviteUrl }));
    assertOk(res);
    assert.equal(res.body.settings.inviteUrlKeySaved, false);
    assert.equal((await storedRow()).invite_url, xm.inviteUrl);
    assert.equal(await targetUrl(), xm.inviteUrl);
    assert.match((await page(ALICE)).text, /<p class="help" id="inviteUrl-key-help" hidden>/);

    const refused = await post('settings', settings({ password: '', inviteUrl: masked() }));
    assertError(refused, 400, 'invalid_invite_url', /No key is saved.*paste the full URL with its key again/);
    assertError(await post('settings', settings({ inviteUrl: masked() }), ALICE, globalInstall), 400, 'invalid_invite_url', /No key is saved/);
    assert.equal(await storedRow(globalInstall), undefined);
  });

  test('a key stored in plain text before sealing is masked, still used, and sealed by the next save', async () => {
    await addon.addon.db('xmatters_settings').where({ installation_id: roomInstall }).update({ invite_url: xm.inviteUrlWithApiKey });
    assert.ok(!(await page(ALICE)).text.includes(API_KEY));
    assert.equal(await targetUrl(), xm.inviteUrlWithApiKey);
    assertOk(await post('settings', settings({ password: '', inviteUrl: masked() })));
    assert.ok(!(await storedRow()).invite_url.includes(API_KEY));
    assert.equal(await targetUrl(), xm.inviteUrlWithApiKey);
  });
});

describe('connection first, plan next, Invite to Room URL last', () => {
  test('Save Settings without an Invite to Room URL stores the connection and the callback credentials; invites wait for the URL', async () => {
    const res = await post('settings', settings({ inviteUrl: '' }), ALICE, globalInstall);
    assertOk(res);
    assert.equal(res.body.settings.inviteUrl, null);
    assert.match(res.body.callback.username, /^xm-/);
    callbackPasswords.push(res.body.callback.password);
    const row = await storedRow(globalInstall);
    assert.equal(row.invite_url, null);
    assert.equal(await addon.addon.inviteDeps.xmattersFor(globalInstall), undefined, 'no invite can be sent yet');
  });

  test('the plan download: a zip in xMatters\' export layout with this installation\'s callback URL and user, for editors only', async () => {
    const token = hipchat.signJwt(globalInstall, { userId: ALICE });
    const res = await request(addon.baseUrl).get('/configure/api/plan').set('Authorization', `JWT ${token}`).buffer(true).parse((r, cb) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => cb(null, Buffer.concat(chunks)));
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'application/zip');
    assert.match(res.headers['content-disposition'] ?? '', /attachment; filename="hipchat-invite-to-room-plan\.zip"/);
    const files = unzipSync(new Uint8Array(res.body as Buffer));
    assert.deepEqual(Object.keys(files).sort(), ['engine.json', 'forms/InvitetoRoom/100001.json', 'integrations/integrations.json', 'properties/properties.json']);
    const integrations = JSON.parse(strFromU8(files['integrations/integrations.json']!));
    const row = await storedRow(globalInstall);
    assert.deepEqual(integrations.endpoints[0], { name: 'HipChat add-on', baseUrl: `${addon.baseUrl}/xmatters/callbacks`, type: 'EXTERNAL', authentication: 'BASIC', username: row.callback_username });
    for (const secret of callbackPasswords) assert.ok(!strFromU8(files['integrations/integrations.json']!).includes(secret), 'no password in the plan');
    // Imported into xMatters, it makes the form and the integrations the add-on needs.
    const imported = xm.importPlan(res.body as Buffer);
    assert.equal(imported.inbound.length, 1);
    assert.match(imported.inbound[0]!.url, /\/api\/integration\/1\/functions\/[0-9a-f-]{36}\/triggers\?apiKey=/);

    const bobs = hipchat.signJwt(globalInstall, { userId: BOB });
    const refused = await request(addon.baseUrl).get('/configure/api/plan').set('Authorization', `JWT ${bobs}`);
    assertError(refused, 403, 'forbidden');
    const bare = await install(hipchat, addon, 101);
    const none = await request(addon.baseUrl).get('/configure/api/plan').set('Authorization', `JWT ${hipchat.signJwt(bare, { userId: ALICE })}`);
    assertError(none, 409, 'not_configured', /Save Settings first/);
  });

  test('answers: an admin\'s lists are saved and shown; empty lists mean the defaults; bad lists are refused naming the field', async () => {
    const saved = await post('settings', settings({ inviteUrl: '', password: '' }) as never, ALICE, globalInstall);
    assertOk(saved);
    assert.deepEqual(saved.body.settings.acceptAnswers.slice(0, 3), ['Accept', 'Accepted', 'Acknowledge']);
    assert.equal(saved.body.settings.answersAreDefaults, true);
    const custom = await post('settings', { ...settings({ inviteUrl: '', password: '' }), acceptAnswers: ['On it', 'Joining now'], declineAnswers: ['Busy'] }, ALICE, globalInstall);
    assertOk(custom);
    assert.deepEqual(custom.body.settings.acceptAnswers, ['On it', 'Joining now']);
    assert.deepEqual(custom.body.settings.declineAnswers, ['Busy']);
    const row = await storedRow(globalInstall);
    for (const bad of [{ acceptAnswers: 'On it' }, { acceptAnswers: ['x'.repeat(101)] }, { declineAnswers: Array.from({ length: 51 }, (_, i) => `no ${i}`) }, { acceptAnswers: [''] }]) {
      const res = await post('settings', { ...settings({ inviteUrl: '', password: '' }), ...bad }, ALICE, globalInstall);
      assertError(res, 400, 'invalid_request');
      assert.ok(['acceptAnswers', 'declineAnswers'].includes(res.body.error.field), JSON.stringify(res.body));
    }
    assert.deepEqual(await storedRow(globalInstall), row, 'refusals changed nothing');
    const reset = await post('settings', { ...settings({ inviteUrl: '', password: '' }), acceptAnswers: [], declineAnswers: [] }, ALICE, globalInstall);
    assert.equal(reset.body.settings.answersAreDefaults, true);
  });

  test('Test Authentication warns when the integration user can see nobody to invite', async () => {
    const res = await post('test', credentials({ username: 'noview', password: 'noview-pass' }), ALICE, globalInstall);
    assertOk(res);
    assert.match(res.body.warning, /can see no people and no groups/);
    const fine = await post('test', credentials(), ALICE, globalInstall);
    assert.equal(fine.body.warning, undefined);
  });
});

describe('POST /configure/api/callback-credentials', () => {
  test('needs the confirm flag', async () => {
    assertError(await post('callback-credentials', {}), 400, 'invalid_request', /confirm/);
  });

  test('not a group admin nor the room owner: 403, nothing changed', async () => {
    const before = await storedRow();
    assertError(await post('callback-credentials', { confirm: true }, BOB), 403, 'forbidden');
    assert.deepEqual(await storedRow(), before);
  });

  test('before any settings are saved: 409', async () => {
    const bare = await install(hipchat, addon, 100);
    assertError(await post('callback-credentials', { confirm: true }, ALICE, bare), 409, 'not_configured');
  });

  test('regenerates the password (new hash, same username), shown once', async () => {
    const before = await storedRow();
    const res = await post('callback-credentials', { confirm: true });
    assertOk(res);
    assert.equal(res.body.callback.username, before.callback_username);
    assert.ok(!callbackPasswords.includes(res.body.callback.password));
    callbackPasswords.push(res.body.callback.password);
    const after = await storedRow();
    assert.notEqual(after.callback_password_hash, before.callback_password_hash);
    assert.equal(after.callback_password_hash, hashPassword(res.body.callback.password));
    assert.equal(after.callback_username, before.callback_username);

    const again = await page(ALICE);
    for (const secret of callbackPasswords) assert.ok(!again.text.includes(secret));
  });
});

describe('without XMATTERS_ALLOWED_HOSTS', () => {
  let strict: RunningAddon;
  let oauthId: string;
  let tcp: Server;
  let connections = 0;
  /** An xMatters of its own, so that any request it sees came from the add-on under test. */
  let xm: XMattersSim;

  before(async () => {
    xm = await startXMattersSim({ people: 10, groups: 2 });
    strict = await startAddon({ hipchatAllowedHosts: [new URL(hipchat.baseUrl).host] });
    oauthId = await install(hipchat, strict, 100);
    tcp = createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
  });
  after(async () => {
    await new Promise<void>((resolve) => tcp.close(() => resolve()));
    await strict.close();
    await xm.close();
  });

  const testAt = async (hostname: string) => {
    const token = hipchat.signJwt(oauthId, { userId: ALICE });
    return record(await request(strict.baseUrl).post('/configure/api/test').set('Authorization', `JWT ${token}`).send(credentials({ hostname })));
  };

  test('a loopback address is refused before any request reaches it', async () => {
    const requests = xm.requests.length;
    const res = await testAt(xm.hostname);
    assertError(res, 400, 'xmatters_private_address', /private or local network address/);
    assert.equal(res.body.error.field, 'hostname');
    assertError(await testAt(`http://${xm.hostname}`), 400, 'invalid_hostname', /https only/);
    assert.equal(xm.requests.length, requests, 'the xMatters simulator saw no request');
  });

  test('a name that resolves to loopback is refused before connecting', async () => {
    const res = await testAt(`localhost:${(tcp.address() as AddressInfo).port}`);
    assertError(res, 400, 'xmatters_private_address');
    assert.equal(connections, 0, 'no TCP connection was opened');
  });

  test('Save Settings with a private address is refused the same way, and nothing is stored', async () => {
    const requests = xm.requests.length;
    const token = hipchat.signJwt(oauthId, { userId: ALICE });
    const inviteUrl = `https://${xm.hostname}${new URL(xm.inviteUrl).pathname}`;
    const res = record(await request(strict.baseUrl).post('/configure/api/settings').set('Authorization', `JWT ${token}`).send(settings({ hostname: xm.hostname, inviteUrl })));
    assertError(res, 400, 'xmatters_private_address', /private or local network address/);
    assert.equal(xm.requests.length, requests, 'the xMatters simulator saw no request');
    assert.equal(await strict.addon.db('xmatters_settings').where({ installation_id: oauthId }).first(), undefined);
  });
});

test('no xMatters password or API key ever appears in a response or in the logs; callback passwords only in the one response that created each', () => {
  assert.ok(bodies.length > 30);
  const logs = addon.logs.join('');
  for (const secret of [xm.credentials.password, WRONG_PASSWORD, 'norole-pass', API_KEY]) {
    assert.ok(!bodies.some((body) => body.includes(secret)), `a response contains ${secret}`);
    assert.ok(!logs.includes(secret), `the logs contain ${secret}`);
  }
  assert.equal(callbackPasswords.length, 3);
  for (const secret of callbackPasswords) {
    assert.equal(bodies.filter((body) => body.includes(secret)).length, 1);
    assert.ok(!logs.includes(secret));
  }
});
