import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type XMattersSim, startXMattersSim } from '../../sim/xmatters/server';
import { waitFor } from '../helpers/wait';
import { AUTH, basic, fixture, startReceiver } from './xmatters-sim-support';

// Triggers: the Integration Builder endpoint answers 202 and creates the event shortly after, or
// never, with the reason in the Activity Stream; the legacy form API validates synchronously; the
// events REST API tells which.

let sim: XMattersSim;
before(async () => {
  sim = await startXMattersSim({ people: 50, groups: 5, triggersPerMinute: 5, minuteMs: 60_000 });
});
after(() => sim.close());

const invite = (overrides: Record<string, unknown> = {}) => ({
  properties: { invite_id: `inv-${Math.random().toString(36).slice(2)}`, room_name: 'Ops', description: 'DB down' },
  recipients: [{ id: 'bsmith', recipientType: 'PERSON' }],
  ...overrides,
});

async function trigger(body: unknown, opts: { url?: string; auth?: string | null } = {}): Promise<Response> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (opts.auth !== null) headers.Authorization = opts.auth ?? AUTH;
  return fetch(opts.url ?? sim.inviteUrl, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
}

async function api<T>(path: string, init: RequestInit = {}): Promise<{ status: number; body: T }> {
  const res = await fetch(`${sim.baseUrl}${path}`, { ...init, headers: { Authorization: AUTH, 'Content-Type': 'application/json', ...init.headers } });
  return { status: res.status, body: (await res.json()) as T };
}

/** Waits until the request was processed, then returns its Activity Stream entry. */
async function processed(requestId: string) {
  await sim.idle();
  const entry = sim.activity(sim.defaultPlan.functionId).find((e) => e.requestId === requestId);
  assert.ok(entry, 'the request is in the Activity Stream');
  return entry;
}

const eventsOf = (requestId: string) => sim.events.filter((e) => e.requestId === requestId);

describe('POST /api/integration/1/functions/{id}/triggers', () => {
  it('answers 202 with a requestId before the event exists, then creates it (E1, E2)', async () => {
    const slow = await startXMattersSim({ people: 5, groups: 1, triggerDelayMs: 1500 });
    try {
      const body = invite();
      const res = await trigger(body, { url: slow.inviteUrl });
      assert.equal(res.status, 202);
      const { requestId } = (await res.json()) as { requestId: string };
      assert.match(requestId, /^[0-9a-f-]{36}$/);
      assert.equal(slow.events.length, 0, 'not created within the request');
      await waitFor(() => slow.events.length === 1, 'the event is created');
      const [event] = slow.events;
      assert.equal(event?.requestId, requestId);
      assert.deepEqual(event?.properties, body.properties);
      assert.deepEqual(event?.notifications.map((n) => n.targetName), ['bsmith']);
      assert.equal(slow.activity(slow.defaultPlan.functionId)[0]?.title, `Event ${event?.eventIdentifier} created`);
    } finally {
      await slow.close();
    }
  });

  it('answers 202 for bodies it cannot use, creates nothing and says why in the Activity Stream', async () => {
    sim.plans.plans[0]!.recentTriggers = [];
    const cases: Array<[unknown, RegExp]> = [
      [invite({ properties: { invite_id: 'x', description: 'd'.repeat(2001) } }), /properties\/description: Exceeded the specified maximum number of characters/],
      [invite({ recipients: [{ targetName: 'ghost' }, { id: 'nobody', recipientType: 'PERSON' }] }), /None of the recipients exists: ghost, nobody/],
      [invite({ recipients: [] }), /recipients: At least one recipient is required/],
      ['{"properties": ', /not valid JSON/],
    ];
    const before = sim.events.length;
    for (const [body, reason] of cases) {
      const res = await trigger(body);
      assert.equal(res.status, 202);
      const entry = await processed(((await res.json()) as { requestId: string }).requestId);
      assert.equal(entry.outcome, 'error');
      assert.match(`${entry.title}\n${entry.log.join('\n')}`, reason);
    }
    assert.equal(sim.events.length, before, 'no event was created');
  });

  it('a user without sender permission gets 202 and no event (E10)', async () => {
    sim.plans.plans[0]!.recentTriggers = [];
    const before = sim.events.length;
    const res = await trigger(invite(), { auth: basic('noview', 'noview-pass') });
    assert.equal(res.status, 202);
    const entry = await processed(((await res.json()) as { requestId: string }).requestId);
    assert.match(entry.log.join('\n'), /noview has no access permission to the plan "HipChat"/);
    assert.equal(sim.events.length, before);
  });

  it('ignores callbacks in the body: nothing is sent to them (E4, E5)', async () => {
    sim.plans.plans[0]!.recentTriggers = [];
    const receiver = await startReceiver();
    try {
      const res = await trigger(invite({ callbacks: [{ url: `${receiver.url}/cb`, type: 'status', authType: 'basic', authUserName: 'u', authPassword: 'p' }] }));
      const { requestId } = (await res.json()) as { requestId: string };
      const entry = await processed(requestId);
      assert.match(entry.log.join('\n'), /"callbacks" in the body were ignored/);
      assert.equal(eventsOf(requestId).length, 1);
      assert.equal(receiver.received.length, 0);
    } finally {
      await receiver.close();
    }
  });

  it('keeps 401 for bad credentials and 403 without the REST role, and records nothing', async () => {
    const before = { triggers: sim.triggers.filter((t) => t.status === 202).length, events: sim.events.length };
    const anonymous = await trigger(invite(), { auth: null });
    assert.equal(anonymous.status, 401);
    assert.match(anonymous.headers.get('www-authenticate') ?? '', /^Basic/);
    assert.deepEqual(Object.keys((await anonymous.json()) as object).sort(), Object.keys(fixture('error-401.json')).sort());
    assert.equal((await trigger(invite(), { auth: basic('hipchat', 'wrong') })).status, 401);
    assert.equal((await trigger(invite(), { auth: basic('norole', 'norole-pass') })).status, 403);
    assert.equal((await trigger(invite(), { url: `${sim.inviteUrl}?apiKey=wrong`, auth: null })).status, 401);
    assert.equal((await trigger(invite(), { url: sim.inviteUrl.replace(/functions\/[^/]+/, 'functions/00000000-0000-4000-8000-000000000000') })).status, 404);
    await sim.idle();
    assert.deepEqual({ triggers: sim.triggers.filter((t) => t.status === 202).length, events: sim.events.length }, before);
  });

  it('URL authentication runs as the integration\'s authenticating user', async () => {
    sim.plans.plans[0]!.recentTriggers = [];
    const res = await trigger(invite(), { url: sim.inviteUrlWithApiKey, auth: null });
    assert.equal(res.status, 202);
    const { requestId } = (await res.json()) as { requestId: string };
    await waitFor(() => eventsOf(requestId).length === 1, 'the event is created');
    assert.equal(eventsOf(requestId)[0]?.submitter, 'hipchat');
    assert.deepEqual([sim.triggers.at(-1)?.auth, sim.triggers.at(-1)?.user], ['apiKey', 'hipchat']);
  });

  it('over the per-minute limit: 429 with Retry-After, and the request is not queued (E3)', async () => {
    sim.plans.plans[0]!.recentTriggers = [];
    const accepted: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await trigger(invite());
      assert.equal(res.status, 202);
      accepted.push(((await res.json()) as { requestId: string }).requestId);
    }
    const refused = await trigger(invite({ properties: { invite_id: 'refused-one' } }));
    assert.equal(refused.status, 429);
    assert.ok(Number(refused.headers.get('retry-after')) >= 1);
    await sim.idle();
    assert.equal(sim.events.filter((e) => e.properties.invite_id === 'refused-one').length, 0);
    assert.ok(accepted.every((id) => eventsOf(id).length === 1));
    sim.plans.plans[0]!.recentTriggers = [];
  });
});

describe('GET /api/xm/1/events', () => {
  type Page = { count: number; data: Array<Record<string, unknown>> };

  it('finds the event of a requestId, by UUID and by number, in the xmapi shape with upper-case status (E15, E27)', async () => {
    sim.plans.plans[0]!.recentTriggers = [];
    const body = invite();
    const { requestId } = (await (await trigger(body)).json()) as { requestId: string };
    await waitFor(() => eventsOf(requestId).length === 1, 'the event is created');
    const found = await api<Page>(`/api/xm/1/events?requestId=${requestId}`);
    assert.deepEqual([found.status, found.body.count], [200, 1]);
    assert.equal((await api<Page>(`/api/xm/1/events?requestId=00000000-0000-4000-8000-000000000000`)).body.count, 0);
    const event = found.body.data[0]!;
    assert.deepEqual(Object.keys(event).sort(), Object.keys(fixture('event.json')).sort());
    assert.equal(event.status, 'ACTIVE');
    assert.deepEqual(event.properties, body.properties);
    assert.match(String(event.created), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/);
    const byId = await api<Record<string, unknown>>(`/api/xm/1/events/${String(event.id)}`);
    const byNumber = await api<Record<string, unknown>>(`/api/xm/1/events/${String(event.eventId)}`);
    assert.deepEqual(byId.body, event);
    assert.deepEqual(byNumber.body, event);
    assert.equal((await api(`/api/xm/1/events/99999999`)).status, 404);
  });

  it('finds events by a property value (propertyName, propertyValue)', async () => {
    sim.plans.plans[0]!.recentTriggers = [];
    const body = invite();
    const { requestId } = (await (await trigger(body)).json()) as { requestId: string };
    await waitFor(() => eventsOf(requestId).length === 1, 'the event is created');
    const exact = await api<Page>(`/api/xm/1/events?propertyName=invite_id&propertyValue=${body.properties.invite_id}`);
    assert.deepEqual(exact.body.data.map((e) => e.id), [eventsOf(requestId)[0]?.id]);
    const partial = await api<Page>(`/api/xm/1/events?propertyName=INVITE_ID&propertyValue=${body.properties.invite_id.slice(0, 8)}&propertyValueOperator=CONTAINS`);
    assert.ok(partial.body.data.some((e) => e.id === eventsOf(requestId)[0]?.id));
    assert.equal((await api<Page>('/api/xm/1/events?propertyName=invite_id&propertyValue=none-such')).body.count, 0);
    assert.equal((await api('/api/xm/1/events?propertyName=invite_id')).status, 400);
    assert.equal((await api('/api/xm/1/events?status=OPEN')).status, 400);
  });

  it('POST /events with status TERMINATED ends the event', async () => {
    sim.plans.plans[0]!.recentTriggers = [];
    const { requestId } = (await (await trigger(invite())).json()) as { requestId: string };
    await waitFor(() => eventsOf(requestId).length === 1, 'the event is created');
    const event = eventsOf(requestId)[0]!;
    assert.equal((await api('/api/xm/1/events', { method: 'POST', body: JSON.stringify({ id: event.id, status: 'SUSPENDED' }) })).status, 400);
    assert.equal(event.status, 'ACTIVE');
    const ended = await api<{ status: string; terminated: string }>('/api/xm/1/events', { method: 'POST', body: JSON.stringify({ id: event.id, status: 'TERMINATED' }) });
    assert.deepEqual([ended.status, ended.body.status], [200, 'TERMINATED']);
    assert.ok(ended.body.terminated);
    assert.equal((await api<Page>('/api/xm/1/events?status=ACTIVE')).body.data.some((e) => e.id === event.id), false);
  });
});

describe('legacy POST /reapi/2015-04-01/forms/{id}/triggers', () => {
  const legacy = (body: unknown, auth = AUTH) =>
    fetch(`${sim.baseUrl}/reapi/2015-04-01/forms/${sim.defaultPlan.formId}/triggers`, {
      method: 'POST',
      headers: { Authorization: auth, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('validates synchronously, answers the event id, and honours body callbacks (E6)', async () => {
    sim.plans.plans[0]!.recentTriggers = [];
    const receiver = await startReceiver();
    try {
      const bad = await legacy({ properties: { description: 'x'.repeat(2001) }, recipients: [{ targetName: 'bsmith' }] });
      assert.equal(bad.status, 400);
      const refusal = (await bad.json()) as { message: string; details: string };
      assert.equal(refusal.message, 'There are data validation errors in the form.');
      assert.match(refusal.details, /properties\/description/);
      assert.equal((await legacy(invite(), basic('noview', 'noview-pass'))).status, 403);

      const before = sim.events.length;
      const ok = await legacy({
        properties: { invite_id: 'legacy-1' },
        recipients: [{ targetName: 'bsmith' }],
        callbacks: (['status', 'deliveryStatus', 'response'] as const).map((type) => ({
          url: `${receiver.url}/hubot/listener?type=${type}`,
          type,
          authType: 'basic',
          authUserName: 'hubot',
          authPassword: 'secret',
        })),
      });
      assert.equal(ok.status, 200);
      const { id } = (await ok.json()) as { id: string };
      assert.equal(sim.events.length, before + 1, 'created within the request');
      const event = sim.events.find((e) => e.id === id)!;
      sim.respond(event.eventIdentifier, 'bsmith', 'Accept', 'on it');
      await sim.idle();
      assert.deepEqual(receiver.received.map((r) => r.url), ['/hubot/listener?type=status', '/hubot/listener?type=deliveryStatus', '/hubot/listener?type=response']);
      assert.ok(receiver.received.every((r) => r.authorization === basic('hubot', 'secret')));
      assert.equal(receiver.received[2]?.body.response, 'Accept');
    } finally {
      await receiver.close();
    }
  });
});
