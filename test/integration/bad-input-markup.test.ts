import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { send } from '../helpers/raw-http';
import { waitFor } from '../helpers/wait';
import { installAndConfigure, startWorld, type ConfiguredInstallation, type World } from '../helpers/world';

/**
 * Markup typed anywhere a person can type — HipChat user and room names, xMatters display names,
 * invite descriptions, responders' comments, /oncall commands — stays text in every page the add-on
 * renders and every notice it posts: pages escape it, notices are `message_format: text`.
 */
const MARKUP = `<script>alert(1)</script> "><img src=x onerror=alert(2)> {{7*7}} <%= 7*7 %> \${7*7}`;
/** What must never appear in a page: the markup working. */
const LIVE = [/<script>alert/, /<img src=x/, /onerror=alert\(2\)>/];

let world: World;
let install: ConfiguredInstallation;
let roomId: number;
const checked = { pages: 0, notices: 0, answers: 0 };

before(async () => {
  world = await startWorld({ startWorker: false });
  // Alice (group admin) renames herself; the integration user's xMatters name and a responder's too.
  world.hipchat.state.user(1).name = `Alice ${MARKUP}`;
  world.xmatters.directory.person('hipchat')!.firstName = `Integration ${MARKUP}`;
  world.xmatters.directory.person('mmcbride')!.firstName = `Mary ${MARKUP}`;
  ({ roomId } = await world.hipchat.createRoom({ name: `War room ${MARKUP}`, ownerId: 1 }));
  install = await installAndConfigure(world, roomId);
});
after(async () => {
  console.log(`bad input (markup): ${checked.pages} pages, ${checked.notices} notices and ${checked.answers} webhook answers checked, markup inert in all`);
  await world.close();
});

const base = () => world.addon.baseUrl;

/** A page as HipChat loads it: the markup shown escaped, never live. */
async function loadPage(path: string, userId = 1): Promise<string> {
  const url = new URL(world.hipchat.pageUrl(install.oauthId, `${base()}${path}`, { userId, roomId }));
  const res = await send(base(), { method: 'GET', path: url.pathname + url.search });
  assert.equal(res.status, 200, res.text.slice(0, 300));
  for (const pattern of LIVE) assert.doesNotMatch(res.text, pattern, `${path} shows markup live`);
  checked.pages++;
  return res.text;
}

/** Every notice the add-on posted to the room is text, its card's description too. */
function assertNoticesAreText(): number {
  const notices = world.hipchat.notifications(roomId).filter((n) => n.sender.type === 'addon');
  for (const n of notices) {
    assert.equal(n.message_format, 'text', n.message);
    const description = (n.card as { description?: { format?: string } } | undefined)?.description;
    if (description) assert.equal(description.format, 'text');
  }
  checked.notices = notices.length;
  return notices.length;
}

async function deliverAll(what: string, until: () => boolean): Promise<void> {
  await waitFor(async () => {
    await world.addon.addon.worker.runOnce();
    return until();
  }, what, 20_000);
}

const pageToken = async () => /<meta name="token" content="([^"]+)">/.exec(await loadPage('/invite/dialog'))![1]!;
const notices = () => world.hipchat.notifications(roomId).map((n) => n.message);

describe('markup stays text', () => {
  test('the configure tab: room name, who changed the settings, and the xMatters name it was verified as, all escaped', async () => {
    const html = await loadPage('/configure');
    assert.ok(html.includes('War room &lt;script&gt;alert(1)&lt;/script&gt; &#34;&gt;&lt;img src=x onerror=alert(2)&gt; {{7*7}} &lt;%= 7*7 %&gt; ${7*7}'), 'the room name is shown escaped');
    assert.ok(html.includes('by Alice &lt;script&gt;'), 'the name of who changed the settings is shown escaped');
    assert.ok(html.includes('as Integration &lt;script&gt;'), 'the xMatters name is shown escaped');
    // A viewer who may not edit sees the settings as text, not in form fields.
    const viewer = await loadPage('/configure', 3);
    assert.match(viewer, /You can view these settings/);
  });

  test('the "+" dialog and the recipient lookup', async () => {
    const html = await loadPage('/invite/dialog');
    assert.doesNotMatch(html, /\{\{|<%/, 'nothing template-like reaches the dialog');
    const res = await send(base(), { method: 'GET', path: '/invite/api/recipients?q=mmcbride', headers: { Authorization: `JWT ${await pageToken()}` } });
    assert.equal(res.status, 200, res.text);
    assert.match(String(res.headers['content-type']), /^application\/json/);
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    assert.ok(JSON.parse(res.text).recipients.some((r: { displayName: string }) => r.displayName.includes(MARKUP)), 'the name is data, passed as it is');
  });

  test("the pages' scripts never turn data into markup", () => {
    const dir = new URL('../../public/js/', import.meta.url);
    for (const file of readdirSync(dir)) {
      const source = readFileSync(new URL(file, dir), 'utf8');
      assert.doesNotMatch(source, /\.innerHTML\s*=|\.outerHTML\s*=|insertAdjacentHTML|document\.write|\beval\(|new Function\(/, `${file} builds markup from strings`);
    }
  });

  test('an invite with markup in its description and recipient names: every notice is text', async () => {
    const res = await send(base(), {
      method: 'POST',
      path: '/invite/api/invites',
      headers: { 'Content-Type': 'application/json', Authorization: `JWT ${await pageToken()}` },
      body: JSON.stringify({ recipients: [{ targetName: 'mmcbride', type: 'PERSON', displayName: `Mary ${MARKUP}` }], description: `Checkout down ${MARKUP}`, idempotencyKey: 'markup-invite-1' }),
    });
    assert.equal(res.status, 202, res.text);
    await deliverAll('the invite notice is posted', () => notices().some((m) => m.includes(`Checkout down ${MARKUP}`)));
    const card = world.hipchat.notifications(roomId).find((n) => n.card)?.card as { description: { value: string; format: string }; title: string };
    assert.equal(card.description.format, 'text');
    assert.ok(card.description.value.includes(MARKUP));
    assert.ok(card.title.includes(`Alice ${MARKUP}`), "the inviter's HipChat name is in the card's title as text");
    assertNoticesAreText();
  });

  test("a responder's comment with markup: the notice is text", async () => {
    await deliverAll('the invite reached xMatters', () => world.xmatters.events.some((e) => e.properties.description?.includes('Checkout down')));
    const event = world.xmatters.events.find((e) => e.properties.description?.includes('Checkout down'))!;
    const inviteId = event.properties.invite_id!;
    const callback = {
      eventIdentifier: 990_001,
      recipient: 'mmcbride',
      response: 'Accept',
      annotation: `on my way ${MARKUP}`,
      device: `Phone ${MARKUP}`,
      eventProperties: [{ invite_id: inviteId }],
    };
    const auth = `Basic ${Buffer.from(`${install.callback.username}:${install.callback.password}`).toString('base64')}`;
    const res = await send(base(), { method: 'POST', path: '/xmatters/callbacks', headers: { 'Content-Type': 'application/json', Authorization: auth }, body: JSON.stringify(callback) });
    assert.equal(res.status, 200, res.text);
    await deliverAll('the response is posted', () => notices().some((m) => m.includes(`on my way ${MARKUP}`)));
    const notice = notices().find((m) => m.includes(`on my way ${MARKUP}`))!;
    assert.ok(notice.includes(`Mary ${MARKUP}`), "the responder's xMatters name is in the notice as text");
    assertNoticesAreText();
  });

  test('/oncall answers with markup are text', async () => {
    for (const text of [`/oncall invite "${MARKUP}" please`, '/oncall status']) {
      const { deliveries } = await world.hipchat.sendMessage(roomId, 1, text);
      const delivery = deliveries.find((d) => d.url.startsWith(base()));
      assert.equal(delivery?.status, 200, delivery?.body);
      const answer = JSON.parse(delivery!.body) as { message: string; message_format: string };
      assert.equal(answer.message_format, 'text');
      assert.ok(answer.message.includes('<script>alert(1)</script>'), answer.message);
      checked.answers++;
    }
    assert.ok(assertNoticesAreText() >= 2);
  });
});
