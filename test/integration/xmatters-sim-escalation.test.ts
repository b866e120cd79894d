import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { SimEvent } from '../../sim/xmatters/events';
import { type XMattersSim, startXMattersSim } from '../../sim/xmatters/server';
import { waitFor } from '../helpers/wait';
import { AUTH, startReceiver } from './xmatters-sim-support';

// Events over time, with simulated minutes of MINUTE_MS: group shifts escalate after their delays
// while nobody has accepted (E24), inactive and absent members are skipped, a person can answer
// again (E17), an End answer terminates the event, an Escalate answer escalates at once, and an
// event ends when it expires, not when everyone has answered (E18).

const MINUTE_MS = 200;

let sim: XMattersSim;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
before(async () => {
  sim = await startXMattersSim({ people: 50, groups: 5, minuteMs: MINUTE_MS, triggerDelayMs: 5 });
  receiver = await startReceiver();
  sim.setOutboundUrl(`${receiver.url}/cb`, { username: 'u', password: 'p' });
});
after(async () => {
  await sim.close();
  await receiver.close();
});
beforeEach(() => {
  sim.setFormResponses(sim.defaultPlan.formId, [
    { text: 'Accept', description: 'Join', action: 'RECORD_RESPONSE', contribution: 'POSITIVE', joinConference: false },
    { text: 'Decline', description: 'No', action: 'STOP_NOTIFYING_USER', contribution: 'NEGATIVE', joinConference: false },
  ]);
});

let counter = 0;
async function eventFor(recipients: unknown[], extra: Record<string, unknown> = {}): Promise<SimEvent> {
  const inviteId = `esc-${++counter}`;
  const res = await fetch(sim.inviteUrl, {
    method: 'POST',
    headers: { Authorization: AUTH, 'Content-Type': 'application/json' },
    body: JSON.stringify({ properties: { invite_id: inviteId }, recipients, ...extra }),
  });
  assert.equal(res.status, 202);
  await waitFor(() => sim.events.some((e) => e.properties.invite_id === inviteId), 'the event is created');
  return sim.events.find((e) => e.properties.invite_id === inviteId)!;
}

const notified = (event: SimEvent) => event.notifications.map((n) => n.targetName);
const webhooksOf = (event: SimEvent, field: string) => receiver.of(field).filter((b) => b.eventIdentifier === event.eventIdentifier);

describe('group escalation', () => {
  it('the second member is notified only after the delay, when nobody accepted; their answer is handled like the first', async () => {
    const event = await eventFor([{ id: 'Payments On-Call', recipientType: 'GROUP' }]);
    assert.deepEqual(notified(event), ['bsmith'], 'the first step at once');
    await waitFor(() => notified(event).length === 2, 'the escalation after 10 simulated minutes', 10_000);
    assert.deepEqual(notified(event), ['bsmith', 'mmcbride']);
    assert.deepEqual(event.notifications.map((n) => n.via), ['Payments On-Call', 'Payments On-Call']);
    await sim.idle();
    const [escalation] = webhooksOf(event, 'escalation');
    assert.deepEqual(escalation?.escalation, { group: 'Payments On-Call', shift: '24x7', reason: 'nobody accepted within 10 minutes', recipients: ['mmcbride'] });
    sim.respond(event.eventIdentifier, 'mmcbride', 'Accept', 'on my way');
    await sim.idle();
    const responses = webhooksOf(event, 'response');
    assert.deepEqual(responses.map((r) => [r.recipient, r.response, r.annotation]), [['mmcbride', 'Accept', 'on my way']]);
  });

  it('no further step once someone reached through the group accepted', async () => {
    const event = await eventFor([{ id: 'Payments On-Call', recipientType: 'GROUP' }]);
    sim.respond(event.eventIdentifier, 'bsmith', 'Accept');
    await waitFor(() => event.timeline.some((t) => t.text.includes('no further escalation')), 'the delay passes', 10_000);
    assert.deepEqual(notified(event), ['bsmith']);
  });

  it('a decline does not stop the escalation', async () => {
    const event = await eventFor([{ id: 'Payments On-Call', recipientType: 'GROUP' }]);
    sim.respond(event.eventIdentifier, 'bsmith', 'Decline');
    await waitFor(() => notified(event).length === 2, 'the escalation', 10_000);
  });

  it('inactive and absent members are skipped with the delays after them; the default shift notifies everyone at once', async () => {
    const storage = await eventFor([{ targetName: 'Storage' }]);
    assert.deepEqual(notified(storage), ['carol.jones']);
    const facilities = await eventFor([{ targetName: 'Facilities' }]);
    assert.deepEqual(notified(facilities), ['bsmith', 'mmcbride']);
  });

  it('an Escalate answer escalates at once', async () => {
    sim.setFormResponses(sim.defaultPlan.formId, [
      { text: 'Accept', description: 'Join', action: 'RECORD_RESPONSE', contribution: 'POSITIVE', joinConference: false },
      { text: 'Escalate', description: 'Ask the next one', action: 'ESCALATE', contribution: 'NEUTRAL', joinConference: false },
    ]);
    const slow = await startXMattersSim({ people: 5, groups: 1, minuteMs: 60_000, triggerDelayMs: 5 });
    try {
      slow.setFormResponses(slow.defaultPlan.formId, sim.plans.plans[0]!.forms[0]!.responses);
      const res = await fetch(slow.inviteUrl, { method: 'POST', headers: { Authorization: AUTH, 'Content-Type': 'application/json' }, body: JSON.stringify({ properties: { invite_id: 'x' }, recipients: [{ targetName: 'Payments On-Call' }] }) });
      assert.equal(res.status, 202);
      await waitFor(() => slow.events.length === 1, 'the event is created');
      const event = slow.events[0]!;
      assert.deepEqual(notified(event), ['bsmith']);
      slow.respond(event.eventIdentifier, 'bsmith', 'Escalate');
      assert.deepEqual(notified(event), ['bsmith', 'mmcbride'], 'without waiting the ten (real) minutes');
    } finally {
      await slow.close();
    }
  });
});

describe('answers', () => {
  it('a person can answer again; the event stays active when everyone answered', async () => {
    const event = await eventFor([{ targetName: 'bsmith' }]);
    sim.respond(event.eventIdentifier, 'bsmith', 'Decline', 'in a meeting');
    const again = sim.respond(event.eventIdentifier, 'bsmith', 'accept', 'free now');
    assert.deepEqual([again.response, again.comment], ['Accept', 'free now']);
    assert.deepEqual(again.responses.map((r) => r.response), ['Decline', 'Accept']);
    assert.equal(event.status, 'ACTIVE');
    await sim.idle();
    assert.deepEqual(webhooksOf(event, 'response').map((r) => r.response), ['Decline', 'Accept']);
    assert.deepEqual(webhooksOf(event, 'status').map((s) => s.status), ['active']);
  });

  it('refuses what a responder could not do, changing nothing', async () => {
    const event = await eventFor([{ targetName: 'bsmith' }, { targetName: 'nodevices' }]);
    assert.throws(() => sim.respond(event.eventIdentifier, 'nodevices', 'Accept'), /was not delivered/);
    assert.throws(() => sim.respond(event.eventIdentifier, 'mmcbride', 'Accept'), /did not notify mmcbride/);
    assert.throws(() => sim.respond(event.eventIdentifier, 'bsmith', 'Maybe'), /"Maybe" is not a response option of this event; use "Accept", "Decline"/);
    assert.throws(() => sim.respond(999, 'bsmith', 'Accept'), /no event 999/);
    assert.deepEqual(event.notifications.map((n) => n.responses.length), [0, 0]);
  });

  it('an answer whose action is End terminates the event', async () => {
    sim.setFormResponses(sim.defaultPlan.formId, [
      { text: 'Accept', description: 'Join', action: 'RECORD_RESPONSE', contribution: 'POSITIVE', joinConference: false },
      { text: 'Resolved', description: 'Nothing to do', action: 'END', contribution: 'NEUTRAL', joinConference: false },
    ]);
    const event = await eventFor([{ targetName: 'bsmith' }, { targetName: 'mmcbride' }]);
    sim.respond(event.eventIdentifier, 'bsmith', 'Resolved');
    assert.equal(event.status, 'TERMINATED');
    assert.throws(() => sim.respond(event.eventIdentifier, 'mmcbride', 'Accept'), /has ended/);
    await sim.idle();
    assert.deepEqual(webhooksOf(event, 'status').map((s) => s.status), ['active', 'terminated']);
  });
});

describe('expiry', () => {
  it('an event expires after expirationInMinutes and says so in a status webhook', async () => {
    const event = await eventFor([{ targetName: 'bsmith' }], { expirationInMinutes: 3 });
    assert.equal(event.expirationInMinutes, 3);
    await waitFor(() => event.status === 'TERMINATED', 'the event expires', 10_000);
    assert.ok(event.timeline.some((t) => t.text === 'Event terminated: expired after 3 minutes'));
    await sim.idle();
    assert.deepEqual(webhooksOf(event, 'status').map((s) => s.status), ['active', 'terminated']);
  });

  it('by default after 180 minutes (E18)', async () => {
    const event = await eventFor([{ targetName: 'bsmith' }]);
    assert.equal(event.expirationInMinutes, 180);
  });
});
