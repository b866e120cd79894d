import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import request from 'supertest';
import { findInvite, listRecipients } from '../../lib/store/invites';
import { installAndConfigure, startWorld, type ConfiguredInstallation, type World } from '../helpers/world';
import { waitFor } from '../helpers/wait';

/**
 * The add-on against xMatters as it behaves today (the simulator's default, modern mode): a trigger is
 * answered 202 and made into an event later, or never (E1, E2); answers, comments, escalations and
 * failures come back only through the plan's outbound integrations, with only `invite_id` (E5, E11–E15).
 */
let world: World;
let install: ConfiguredInstallation;

before(async () => {
  world = await startWorld(
    { worker: { pollMs: 50, backoffBaseMs: 100, backoffMaxMs: 500 } },
    { XMATTERS_EVENT_CONFIRM_SECONDS: '3', XMATTERS_TIMEOUT_SECONDS: '1' },
    // A simulated minute is 50 ms: escalation delays of minutes take a fraction of a second.
    { minuteMs: 50 },
  );
  // Global, so that each test has a room of its own (HipChat's flood control is per room).
  install = await installAndConfigure(world);
});
after(() => world.close());

const app = () => world.addon.addon.app;
const db = () => world.addon.addon.db;
let room = 0;
const roomTexts = () => world.hipchat.notifications(room).map((n) => n.message);
const roomNotices = () => world.hipchat.notifications(room);
let rooms = 0;
beforeEach(async () => {
  room = (await world.hipchat.createRoom({ name: `Modern xMatters ${++rooms}`, ownerId: 1 })).roomId;
});
const ref = (inviteId: string) => `invite ${inviteId.slice(0, 8)}`;
const eventsOf = (inviteId: string) => world.xmatters.events.filter((e) => e.properties.invite_id === inviteId);
const triggersOf = (inviteId: string) =>
  world.xmatters.triggers.filter((t) => (t.body as { properties?: { invite_id?: string } } | null)?.properties?.invite_id === inviteId);

/** Sends an invite as the "+" dialog does. */
async function sendInvite(recipients: Array<{ targetName: string; type: 'PERSON' | 'GROUP' }>, description = 'Checkout is failing'): Promise<string> {
  const token = world.hipchat.signJwt(install.oauthId, { userId: 1, roomId: room });
  const res = await request(app())
    .post('/invite/api/invites')
    .set('Authorization', `JWT ${token}`)
    .send({ recipients: recipients.map((r) => ({ ...r, displayName: r.targetName })), description, idempotencyKey: `key-${Math.random().toString(36).slice(2, 12)}` });
  assert.equal(res.status, 202, res.text);
  return res.body.inviteId;
}

async function confirmedEvent(inviteId: string) {
  await waitFor(async () => (await findInvite(db(), inviteId))?.state === 'confirmed', 'the invite\'s event is confirmed', 15_000);
  return eventsOf(inviteId)[0]!;
}

describe('an invite and its event', () => {
  test('202 → the event is confirmed and recorded on the invite; the trigger carries no callbacks', async () => {
    const inviteId = await sendInvite([{ targetName: 'bsmith', type: 'PERSON' }]);
    const event = await confirmedEvent(inviteId);
    const invite = (await findInvite(db(), inviteId))!;
    assert.equal(invite.eventId, event.id);
    assert.equal(invite.eventIdentifier, event.eventIdentifier);
    const [trigger] = triggersOf(inviteId);
    assert.equal(trigger?.status, 202);
    assert.equal((trigger!.body as { callbacks?: unknown }).callbacks, undefined);
    assert.deepEqual((trigger!.body as { recipients: unknown }).recipients, [{ id: 'bsmith', recipientType: 'PERSON' }]);
  });

  test('an invite whose event never appears is told in the room in red, with what to check', async () => {
    const { formId } = world.xmatters.defaultPlan;
    world.xmatters.setFormSenders(formId, []);
    try {
      const inviteId = await sendInvite([{ targetName: 'bsmith', type: 'PERSON' }], 'Nobody may send this');
      await waitFor(() => roomTexts().some((t) => t.includes(ref(inviteId)) && t.includes('made no event')), 'the room is told', 20_000);
      const notice = roomNotices().find((n) => n.message.includes(ref(inviteId)) && n.message.includes('made no event'))!;
      assert.equal(notice.color, 'red');
      assert.match(notice.message, /sender on the Invite to Room form/);
      assert.equal((await findInvite(db(), inviteId))?.state, 'no_event');
      assert.equal(eventsOf(inviteId).length, 0);
      assert.equal(triggersOf(inviteId).length, 1, 'sent once: a 202 is not retried');
    } finally {
      world.xmatters.setFormSenders(formId, ['hipchat']);
    }
  });

  test('a timeout after the trigger reached xMatters ends in exactly one event', async () => {
    // xMatters takes the trigger, but answers after the add-on gave up (XMATTERS_TIMEOUT_SECONDS=1).
    world.xmatters.faults.latencyMs = 1500;
    let inviteId: string;
    try {
      inviteId = await sendInvite([{ targetName: 'mmcbride', type: 'PERSON' }], 'Answer lost on the way back');
      await waitFor(async () => (await findInvite(db(), inviteId))?.triggerUnknownAt != null && /did not answer/.test((await findInvite(db(), inviteId))?.lastError ?? ''), 'the trigger timed out');
    } finally {
      world.xmatters.faults.latencyMs = 0;
    }
    await waitFor(async () => (await findInvite(db(), inviteId))?.state === 'confirmed', 'the event the lost trigger made is found', 20_000);
    await world.xmatters.idle();
    assert.equal(eventsOf(inviteId).length, 1, 'exactly one event');
    assert.equal(triggersOf(inviteId).length, 1, 'the trigger was not sent again');
    await waitFor(() => roomTexts().some((t) => t.startsWith('Alice Admin invited') && t.includes(ref(inviteId))), 'the room is told of the invite');
  });

  test('a 429 on the trigger is retried after Retry-After and ends in exactly one event', async () => {
    const posts = () => world.xmatters.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/triggers')).length;
    const before = posts();
    world.xmatters.faults.failNext(1, 429, { retryAfter: 1 });
    const inviteId = await sendInvite([{ targetName: 'bsmith', type: 'PERSON' }], 'After a 429');
    await confirmedEvent(inviteId);
    await world.xmatters.idle();
    assert.equal(eventsOf(inviteId).length, 1);
    assert.equal(posts() - before, 2, 'refused once, accepted once');
    assert.deepEqual(triggersOf(inviteId).map((t) => t.status), [202]);
  });
});

describe('answers through outbound integrations, with only invite_id', () => {
  test('the plan\'s own words are told by meaning: Acknowledge, Join, On my way as accepted; Ignore, Can\'t make it as declined; others as given', async () => {
    const { formId } = world.xmatters.defaultPlan;
    const option = (text: string, contribution: 'POSITIVE' | 'NEGATIVE' | 'NEUTRAL') => ({ text, description: text, action: 'RECORD_RESPONSE' as const, contribution, joinConference: false });
    world.xmatters.setFormResponses(formId, [
      option('Acknowledge', 'POSITIVE'),
      option('Join', 'POSITIVE'),
      option('On my way', 'POSITIVE'),
      option('Ignore', 'NEGATIVE'),
      option("Can't make it", 'NEGATIVE'),
      option('Need more info', 'NEUTRAL'),
    ]);
    const cases: Array<[string, RegExp, string]> = [
      ['Acknowledge', /accepted/, 'green'],
      ['Join', /accepted/, 'green'],
      ['On my way', /accepted/, 'green'],
      ['Ignore', /declined/, 'red'],
      ["Can't make it", /declined/, 'red'],
      ['Need more info', /responded "Need more info"/, 'yellow'],
    ];
    try {
      for (const [answer, told, color] of cases) {
        const inviteId = await sendInvite([{ targetName: 'mmcbride', type: 'PERSON' }], `Answered ${answer}`);
        const event = await confirmedEvent(inviteId);
        world.xmatters.respond(event.eventIdentifier, 'mmcbride', answer);
        await waitFor(() => roomTexts().some((t) => t.includes(ref(inviteId)) && told.test(t)), `"${answer}" is told`);
        const notice = roomNotices().find((n) => n.message.includes(ref(inviteId)) && told.test(n.message))!;
        assert.equal(notice.color, color, answer);
        // What the webhook carried: only the flagged property.
        const delivery = world.xmatters.deliveries.find((d) => (d.payload as { response?: string }).response === answer && JSON.stringify(d.payload).includes(inviteId));
        assert.deepEqual((delivery?.payload as { eventProperties: unknown }).eventProperties, [{ invite_id: inviteId }]);
      }
    } finally {
      world.xmatters.setFormResponses(formId, [option('Accept', 'POSITIVE'), option('Decline', 'NEGATIVE')].map((o, i) => ({ ...o, action: i === 0 ? 'RECORD_RESPONSE' : 'STOP_NOTIFYING_USER' })));
    }
  });

  test('a changed answer is told, and the latest answer counts', async () => {
    const inviteId = await sendInvite([{ targetName: 'bsmith', type: 'PERSON' }], 'Changing minds');
    const event = await confirmedEvent(inviteId);
    world.xmatters.respond(event.eventIdentifier, 'bsmith', 'Accept');
    await waitFor(async () => (await listRecipients(db(), inviteId))[0]?.state === 'accepted', 'accepted');
    world.xmatters.respond(event.eventIdentifier, 'bsmith', 'Decline', 'sorry, stuck on a train');
    await waitFor(() => roomTexts().some((t) => t.includes(ref(inviteId)) && t.includes('changed their answer: declined (was "Accept")')), 'the change is told');
    assert.equal((await listRecipients(db(), inviteId))[0]?.state, 'declined');
  });

  test('the same webhook delivered twice is applied once', async () => {
    const inviteId = await sendInvite([{ targetName: 'bsmith', type: 'PERSON' }], 'Delivered twice');
    const event = await confirmedEvent(inviteId);
    world.xmatters.respond(event.eventIdentifier, 'bsmith', 'Accept', 'here');
    await waitFor(() => world.xmatters.deliveries.some((d) => (d.payload as { response?: string }).response === 'Accept' && JSON.stringify(d.payload).includes(inviteId)), 'the webhook was sent');
    const delivery = world.xmatters.deliveries.find((d) => (d.payload as { response?: string }).response === 'Accept' && JSON.stringify(d.payload).includes(inviteId))!;
    const again = await request(app()).post('/xmatters/callbacks').auth(install.callback.username, install.callback.password).send(delivery.payload as object);
    assert.equal(again.status, 200);
    assert.equal(again.body.status, 'duplicate');
    await waitFor(() => roomTexts().some((t) => t.includes(ref(inviteId)) && t.includes('accepted')), 'the answer is told');
    await world.addon.addon.worker.runOnce();
    assert.equal(roomTexts().filter((t) => t.includes(ref(inviteId)) && t.includes('accepted')).length, 1);
  });

  test('a callback without invite_id is matched by its event id', async () => {
    const inviteId = await sendInvite([{ targetName: 'bsmith', type: 'PERSON' }], 'Matched by event');
    const event = await confirmedEvent(inviteId);
    const res = await request(app())
      .post('/xmatters/callbacks')
      .auth(install.callback.username, install.callback.password)
      .send({ eventIdentifier: event.eventIdentifier, date: '2025-01-31 09:15:02.123', eventProperties: [], recipient: 'bsmith', response: 'Accept', annotation: 'null', device: 'Work Email' });
    assert.equal(res.body.status, 'accepted');
    await waitFor(() => roomTexts().some((t) => t.includes(ref(inviteId)) && t.includes('accepted')), 'the answer is told');
  });
});

describe('comments, escalations and recipient failures', () => {
  test('a comment in xMatters is posted in the room; the add-on\'s own comment is not echoed; 2xx for each', async () => {
    const inviteId = await sendInvite([{ targetName: 'bsmith', type: 'PERSON' }], 'Comments');
    const event = await confirmedEvent(inviteId);
    world.xmatters.comment(event.eventIdentifier, 'mmcbride', 'Looking at the dashboards');
    await waitFor(() => roomTexts().some((t) => t.includes(ref(inviteId)) && t.includes('Mary McBride commented in xMatters: "Looking at the dashboards"')), 'the comment is posted');
    // A comment written by the integration user (as the add-on writes them) comes back and is not posted.
    world.xmatters.comment(event.eventIdentifier, 'hipchat', 'From the room');
    await waitFor(() => world.xmatters.deliveries.filter((d) => JSON.stringify(d.payload).includes('From the room')).every((d) => d.status === 200) && world.xmatters.deliveries.some((d) => JSON.stringify(d.payload).includes('From the room')), 'the echo was acknowledged');
    await world.addon.addon.worker.runOnce();
    assert.ok(!roomTexts().some((t) => t.includes('From the room')), 'not echoed');
  });

  test('a group with two escalation steps: the second member is notified after the delay, and their answer is handled like the first\'s', async () => {
    // "Payments On-Call": bsmith at once, mmcbride after 10 simulated minutes, while nobody accepted.
    const inviteId = await sendInvite([{ targetName: 'Payments On-Call', type: 'GROUP' }], 'Escalate me');
    const event = await confirmedEvent(inviteId);
    await waitFor(() => eventsOf(inviteId)[0]!.notifications.some((n) => n.targetName === 'mmcbride'), 'the second step is notified', 10_000);
    const at = (name: string) => Date.parse(eventsOf(inviteId)[0]!.notifications.find((n) => n.targetName === name)!.notifiedAt);
    assert.ok(at('mmcbride') - at('bsmith') >= 10 * 50, `the second step came ${at('mmcbride') - at('bsmith')} ms after the first (10 simulated minutes = 500 ms)`);
    // The escalation webhook is acknowledged; it counts the group's step (the room panel shows it), and is no answer.
    await waitFor(() => world.xmatters.deliveries.some((d) => JSON.stringify(d.payload).includes('"escalation"') && d.status === 200), 'the escalation webhook got 2xx');
    await waitFor(async () => (await listRecipients(db(), inviteId)).find((r) => r.targetName === 'Payments On-Call')?.escalationStep === 1, 'the step is counted');
    world.xmatters.respond(event.eventIdentifier, 'mmcbride', 'Accept', 'on it');
    await waitFor(() => roomTexts().some((t) => t.includes(ref(inviteId)) && t.startsWith("Mary McBride (mmcbride) accepted — 'on it'")), 'the second member\'s answer is told');
    const states = Object.fromEntries((await listRecipients(db(), inviteId)).map((r) => [r.targetName, r.state]));
    assert.equal(states.mmcbride, 'accepted');
    assert.equal(states['Payments On-Call'], 'sent', 'the group row stays as it was');
  });

  test('a targeted recipient xMatters could not notify is said in the room', async () => {
    // "Storage": an inactive member and an absent one are skipped; Carol is notified.
    const inviteId = await sendInvite([{ targetName: 'iinactive', type: 'PERSON' }], 'Inactive user');
    await waitFor(() => roomTexts().some((t) => t.includes(ref(inviteId)) && t.startsWith('xMatters could not notify iinactive')), 'the failure is told', 15_000);
    const failures = world.xmatters.deliveries.filter((d) => JSON.stringify(d.payload).includes(inviteId) && JSON.stringify(d.payload).includes('"reason"'));
    assert.ok(failures.length > 0 && failures.every((d) => d.status === 200), 'acknowledged with 2xx');
    assert.equal((await listRecipients(db(), inviteId))[0]?.state, 'failed');
  });
});
