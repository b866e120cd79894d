import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import type { SimEvent } from '../../sim/xmatters/events';
import { type XMattersSim, startXMattersSim } from '../../sim/xmatters/server';
import { waitFor } from '../helpers/wait';
import { AUTH, basic, startReceiver } from './xmatters-sim-support';

// Outbound integrations: each trigger kind sends its webhook to its endpoint, with only the
// properties flagged for callbacks (E11) as an array of one-key objects (E14), lower-case status
// (E15) and "null" for no comment (E14); comments come through the annotations API (E27) and the
// inbox. What each webhook sent and got back is in the integration's Activity Stream.

let sim: XMattersSim;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
before(async () => {
  sim = await startXMattersSim({ people: 50, groups: 5 });
  receiver = await startReceiver();
});
after(async () => {
  await sim.close();
  await receiver.close();
});
afterEach(() => {
  receiver.received.length = 0;
  sim.setOutboundUrl(null);
});

async function eventFor(recipients: unknown[], properties: Record<string, string> = { invite_id: 'inv-1', room_name: 'Ops <war> room', description: 'DB is "down"' }): Promise<SimEvent> {
  const res = await fetch(sim.inviteUrl, { method: 'POST', headers: { Authorization: AUTH, 'Content-Type': 'application/json' }, body: JSON.stringify({ properties, recipients }) });
  const { requestId } = (await res.json()) as { requestId: string };
  await waitFor(() => sim.events.some((e) => e.requestId === requestId), 'the event is created');
  return sim.events.find((e) => e.requestId === requestId)!;
}

describe('the default plan\'s outbound integrations (setOutboundUrl)', () => {
  it('status, delivery and response webhooks with Basic auth, only invite_id, lower-case status, "null" comment', async () => {
    sim.setOutboundUrl(`${receiver.url}/xmatters/callbacks`, { username: 'xm-cb', password: 'cb-secret' });
    const event = await eventFor([{ targetName: 'Database' }]);
    sim.respond(event.eventIdentifier, 'bsmith', 'Decline');
    await sim.idle();

    assert.ok(receiver.received.length >= 3);
    assert.ok(receiver.received.every((r) => r.url === '/xmatters/callbacks' && r.authorization === basic('xm-cb', 'cb-secret')));
    assert.ok(receiver.received.every((r) => JSON.stringify(r.body.eventProperties) === JSON.stringify([{ invite_id: 'inv-1' }])), 'only the flagged property');
    const [status] = receiver.of('status');
    assert.deepEqual(status, { eventIdentifier: event.eventIdentifier, date: status?.date, eventProperties: [{ invite_id: 'inv-1' }], status: 'active' });
    assert.match(String(status?.date), /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}$/);
    const [delivery] = receiver.of('deliveryStatus');
    assert.deepEqual([delivery?.recipient, delivery?.deliveryStatus, delivery?.device, delivery?.message], ['bsmith', 'Delivered', 'Work Email', 'Delivered Work Email to bsmith']);
    const [response] = receiver.of('response');
    assert.deepEqual(
      Object.keys(response ?? {}).sort(),
      ['annotation', 'date', 'device', 'eventIdentifier', 'eventProperties', 'recipient', 'response'],
    );
    assert.deepEqual([response?.recipient, response?.response, response?.annotation, response?.device], ['bsmith', 'Decline', 'null', 'Work Email']);
    assert.equal(event.status, 'ACTIVE', 'answering does not end the event');
  });

  it('a person without devices: a failed delivery and a targeted recipient failure', async () => {
    sim.setOutboundUrl(`${receiver.url}/cb`, { username: 'u', password: 'p' });
    await eventFor([{ targetName: 'nodevices' }, { targetName: 'iinactive' }, { targetName: 'bsmith' }]);
    await sim.idle();
    const failed = receiver.of('deliveryStatus').find((b) => b.recipient === 'nodevices');
    assert.deepEqual([failed?.deliveryStatus, failed?.message], ['Failed', 'Failed sending to nodevices: no devices']);
    const failures = receiver.of('reason');
    assert.deepEqual(failures.map((f) => [f.recipient, f.recipientType, f.reason]), [
      ['nodevices', 'PERSON', 'NO_DEVICES'],
      ['iinactive', 'PERSON', 'INACTIVE'],
    ]);
  });

  it('comments through POST /events/{id}/annotations and the inbox send the comment webhook (E12, E27)', async () => {
    sim.setOutboundUrl(`${receiver.url}/cb`, { username: 'u', password: 'p' });
    const event = await eventFor([{ targetName: 'bsmith' }]);
    const added = await fetch(`${sim.baseUrl}/api/xm/1/events/${event.id}/annotations`, {
      method: 'POST',
      headers: { Authorization: AUTH, 'Content-Type': 'application/json' },
      body: JSON.stringify({ comment: 'Room is ready' }),
    });
    assert.equal(added.status, 201);
    const annotation = (await added.json()) as { id: string; comment: string; author: { targetName: string }; event: { eventId: string } };
    assert.deepEqual([annotation.comment, annotation.author.targetName, annotation.event.eventId], ['Room is ready', 'hipchat', String(event.eventIdentifier)]);
    const inbox = await fetch(`${sim.inboxUrl}/bsmith/events/${event.eventIdentifier}/comments`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ comment: 'Joining in 5' }).toString(),
      redirect: 'manual',
    });
    assert.equal(inbox.status, 303);
    const empty = await fetch(`${sim.baseUrl}/api/xm/1/events/${event.id}/annotations`, {
      method: 'POST',
      headers: { Authorization: AUTH, 'Content-Type': 'application/json' },
      body: JSON.stringify({ comment: '  ' }),
    });
    assert.equal(empty.status, 400);
    await sim.idle();
    const listed = (await (await fetch(`${sim.baseUrl}/api/xm/1/events/${event.eventIdentifier}/annotations`, { headers: { Authorization: AUTH } })).json()) as { count: number; data: Array<{ comment: string }> };
    assert.deepEqual(listed.data.map((a) => a.comment), ['Room is ready', 'Joining in 5']);
    const webhooks = receiver.of('annotation').filter((b) => typeof b.annotation === 'object');
    assert.deepEqual(webhooks.map((b) => (b.annotation as { comment: string; author: { targetName: string } })).map((a) => [a.comment, a.author.targetName]), [
      ['Room is ready', 'hipchat'],
      ['Joining in 5', 'bsmith'],
    ]);
    assert.ok(webhooks.every((b) => JSON.stringify(b.eventProperties) === '[{"invite_id":"inv-1"}]'));
  });

  it('retries a webhook the receiver failed and records each send in the Activity Stream', async () => {
    const failing = await startReceiver([500]);
    try {
      sim.setOutboundUrl(`${failing.url}/cb`, { username: 'u', password: 'secret-pass' });
      const event = await eventFor([{ targetName: 'nodevices' }]);
      await sim.idle();
      const statusSends = failing.received.filter((r) => 'status' in r.body);
      assert.equal(statusSends.length, 2);
      assert.deepEqual(statusSends[0]?.body, statusSends[1]?.body);
      const delivery = sim.deliveries.find((d) => d.eventIdentifier === event.eventIdentifier && d.kind === 'STATUS');
      assert.deepEqual([delivery?.attempts, delivery?.ok, delivery?.status], [2, true, 200]);
      const statusIntegration = sim.plans.plans[0]!.outbound.find((o) => o.triggeredBy === 'STATUS')!;
      const entry = sim.activity(statusIntegration.id).find((e) => e.eventIdentifier === event.eventIdentifier)!;
      assert.equal(entry.outcome, 'ok');
      assert.deepEqual(entry.log, ['Attempt 1: HTTP 500', 'Attempt 2: HTTP 200']);
      assert.equal(entry.response?.body, 'thanks');
      assert.equal(entry.request?.headers.Authorization, 'Basic ••••••');
      assert.ok(!JSON.stringify(sim.activity(statusIntegration.id)).includes(Buffer.from('u:secret-pass').toString('base64')), 'no credentials recorded');
    } finally {
      await failing.close();
    }
  });

  it('sends nothing while the endpoint has no URL', async () => {
    await eventFor([{ targetName: 'bsmith' }]);
    await sim.idle();
    assert.equal(receiver.received.length, 0);
  });
});

describe('endpoint authentication', () => {
  it('Basic, a URL key, or none', async () => {
    const { planId, endpoint } = sim.defaultPlan;
    sim.setEndpoint(planId, endpoint, { baseUrl: `${receiver.url}/keyed`, authentication: 'URL', apiKey: 'k-123', username: null, password: null });
    await eventFor([{ targetName: 'bsmith' }]);
    await sim.idle();
    assert.ok(receiver.received.length > 0 && receiver.received.every((r) => r.url === '/keyed?apiKey=k-123' && r.authorization === undefined));
    receiver.received.length = 0;
    sim.setEndpoint(planId, endpoint, { baseUrl: `${receiver.url}/open`, authentication: 'NO_AUTH', apiKey: null });
    await eventFor([{ targetName: 'bsmith' }]);
    await sim.idle();
    assert.ok(receiver.received.length > 0 && receiver.received.every((r) => r.url === '/open' && r.authorization === undefined));
    assert.throws(() => sim.setEndpoint(planId, endpoint, { authentication: 'BASIC', username: null }), /needs a username/);
    assert.throws(() => sim.setEndpoint(planId, endpoint, { baseUrl: 'ftp://x' }), /http or https/);
    assert.equal(sim.plans.plans[0]!.endpoints[0]!.baseUrl, `${receiver.url}/open`, 'a refused change changes nothing');
  });
});
