import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { type IncomingMessage, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { parseCallback } from '../../lib/xmatters/callbacks';
import { type XMattersSim, startXMattersSim } from '../../sim/xmatters/server';

// The simulator's own contract: the documented search semantics, the trigger, group expansion
// to who is on call, the responder inbox, and callbacks as xMatters sends them.

const AUTH = `Basic ${Buffer.from('hipchat:hipchat-pass').toString('base64')}`;

function fixture(name: string): Record<string, unknown> {
  return (JSON.parse(readFileSync(new URL(`../fixtures/xmatters/${name}`, import.meta.url), 'utf8')) as { payload: Record<string, unknown> }).payload;
}

interface Received {
  url: string;
  authorization: string | undefined;
  body: Record<string, unknown>;
}

/** Stands in for the add-on's callback endpoint; answers `statuses` in turn, then 200. */
async function startReceiver(statuses: number[] = []) {
  const received: Received[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    let data = '';
    req.on('data', (chunk: Buffer) => (data += chunk.toString('utf8')));
    req.on('end', () => {
      received.push({ url: req.url ?? '', authorization: req.headers.authorization, body: JSON.parse(data) as Record<string, unknown> });
      res.writeHead(statuses.shift() ?? 200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

let sim: XMattersSim;

async function api(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${sim.baseUrl}${path}`, { ...init, headers: { Authorization: AUTH, ...init.headers } });
}

async function list(path: string): Promise<{ count: number; total: number; data: Array<Record<string, string>>; links: { self: string; next?: string } }> {
  const res = await api(path);
  assert.equal(res.status, 200, `${path} → ${res.status}`);
  return (await res.json()) as never;
}

async function trigger(body: unknown, url = sim.inviteUrl): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { Authorization: AUTH, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
}

before(async () => {
  sim = await startXMattersSim();
});
after(async () => {
  await sim.close();
});
beforeEach(() => {
  sim.faults.reset();
  sim.setOutboundUrl(null);
});

describe('directory', () => {
  it('is generated deterministically from the seed, with the fixed entries', async () => {
    const again = await startXMattersSim({ people: 3000, groups: 300 });
    const other = await startXMattersSim({ seed: 2, people: 100, groups: 10 });
    try {
      assert.equal(sim.directory.people.length, 3007);
      assert.equal(sim.directory.groups.length, 303);
      assert.deepEqual(again.directory.people.map((p) => p.id), sim.directory.people.map((p) => p.id));
      assert.notDeepEqual(other.directory.people.slice(0, 20).map((p) => p.targetName), sim.directory.people.slice(0, 20).map((p) => p.targetName));
      for (const name of ['hipchat', 'norole', 'bsmith', 'mmcbride', 'nodevices', 'carol.jones']) assert.ok(other.directory.person(name), name);
      for (const name of ['Database', 'Database Admins', 'Network']) assert.ok(other.directory.group(name), name);
      assert.equal(new Set(sim.directory.people.map((p) => p.targetName)).size, 3007);
    } finally {
      await again.close();
      await other.close();
    }
  });
});

describe('REST search semantics', () => {
  const names = (page: { data: Array<Record<string, string>> }) => page.data.map((item) => item.targetName);

  it('search terms are ORed by default, split on space or "+"', async () => {
    const spaced = await list('/api/xm/1/people?search=McBride%20Devereaux');
    const plussed = await list('/api/xm/1/people?search=McBride%2BDevereaux');
    assert.deepEqual(names(spaced).sort(), ['mmcbride', 'nodevices']);
    assert.deepEqual(names(plussed), names(spaced));
  });

  it('operand=AND needs every term to match, case-insensitively', async () => {
    const both = await list('/api/xm/1/people?search=BOB+smith&operand=AND');
    assert.ok(names(both).includes('bsmith'));
    assert.ok(both.data.every((p) => /bob/i.test(JSON.stringify(p)) && /smith/i.test(JSON.stringify(p))));
    const either = await list('/api/xm/1/people?search=BOB+smith&limit=1000');
    assert.ok(either.total > both.total);
  });

  it('fields restricts where terms are looked for', async () => {
    assert.deepEqual(names(await list('/api/xm/1/people?search=mcbride&fields=LAST_NAME')), ['mmcbride']);
    assert.deepEqual(names(await list('/api/xm/1/people?search=mcbride&fields=FIRST_NAME')), []);
    assert.deepEqual(names(await list('/api/xm/1/groups?search=mcbride')), ['Database Admins']);
    assert.deepEqual(names(await list('/api/xm/1/groups?search=mcbride&fields=NAME')), []);
    const bad = await api('/api/xm/1/people?search=x&fields=SHOE_SIZE');
    assert.equal(bad.status, 400);
    assert.deepEqual(Object.keys((await bad.json()) as object).sort(), ['code', 'message', 'reason']);
  });

  it('exact filters: targetName is case-sensitive, webLogin is not', async () => {
    assert.deepEqual(names(await list('/api/xm/1/people?targetName=bsmith')), ['bsmith']);
    assert.deepEqual(names(await list('/api/xm/1/people?targetName=BSMITH')), []);
    assert.deepEqual(names(await list('/api/xm/1/people?webLogin=HipChat')), ['hipchat']);
    assert.deepEqual(names(await list('/api/xm/1/groups?targetName=Network')), ['Network']);
  });

  it('pages with offset/limit in the documented envelope with relative links', async () => {
    const first = await list('/api/xm/1/people?search=an&limit=10');
    assert.equal(first.count, 10);
    assert.ok(first.total > 100);
    assert.equal(first.links.self, '/api/xm/1/people?search=an&offset=0&limit=10');
    assert.equal(first.links.next, '/api/xm/1/people?search=an&offset=10&limit=10');
    const second = await list(first.links.next ?? '');
    assert.equal(second.count, 10);
    assert.notDeepEqual(names(second), names(first));
    const last = await list(`/api/xm/1/people?search=an&offset=${first.total - 3}&limit=10`);
    assert.equal(last.count, 3);
    assert.equal(last.links.next, undefined);
    const byDefault = await list('/api/xm/1/people');
    assert.equal(byDefault.count, 100);
    const capped = await list('/api/xm/1/people?limit=5000');
    assert.equal(capped.count, 1000);
    assert.match(capped.links.self, /limit=1000$/);
    assert.equal((await api('/api/xm/1/people?offset=-1')).status, 400);
  });

  it('GET /people/{id|targetName}, and a JSON 404', async () => {
    const bob = (await (await api('/api/xm/1/people/bsmith')).json()) as Record<string, unknown>;
    assert.equal(bob.firstName, 'Bob');
    assert.equal(bob.recipientType, 'PERSON');
    const byId = (await (await api(`/api/xm/1/people/${String(bob.id)}`)).json()) as Record<string, unknown>;
    assert.equal(byId.targetName, 'bsmith');
    const missing = await api('/api/xm/1/people/nobody-here');
    assert.equal(missing.status, 404);
    assert.deepEqual({ ...((await missing.json()) as object), message: '' }, { code: 404, reason: 'Not Found', message: '' });
  });

  it('401 and 403 as JSON bodies in the documented shape; non-API paths are an HTML 404', async () => {
    const anonymous = await fetch(`${sim.baseUrl}/api/xm/1/people`);
    assert.equal(anonymous.status, 401);
    assert.match(anonymous.headers.get('www-authenticate') ?? '', /^Basic/);
    assert.deepEqual(Object.keys((await anonymous.json()) as object).sort(), Object.keys(fixture('error-401.json')).sort());
    const norole = await api('/api/xm/1/people', { headers: { Authorization: `Basic ${Buffer.from('norole:norole-pass').toString('base64')}` } });
    assert.equal(norole.status, 403);
    assert.equal(((await norole.json()) as { reason: string }).reason, 'Forbidden');
    const page = await fetch(`${sim.baseUrl}/some/page`);
    assert.equal(page.status, 404);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    const apiMissing = await api('/api/xm/1/nothing');
    assert.equal(apiMissing.status, 404);
    assert.match(apiMissing.headers.get('content-type') ?? '', /json/);
  });
});

describe('faults', () => {
  it('down, failNext with Retry-After, and latency, also over POST /_sim/faults', async () => {
    const post = (body: unknown) =>
      fetch(`${sim.baseUrl}/_sim/faults`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal((await post({ down: true })).status, 200);
    assert.equal((await api('/api/xm/1/people?limit=1')).status, 503);
    assert.equal((await post({ down: false, failNext: { count: 1, status: 429, retryAfter: 9 } })).status, 200);
    const limited = await api('/api/xm/1/people?limit=1');
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), '9');
    assert.equal((await api('/api/xm/1/people?limit=1')).status, 200);
    assert.equal((await post({ latencyMs: 'slow' })).status, 400);
    sim.faults.latencyMs = 200;
    const started = performance.now();
    await api('/api/xm/1/people?limit=1');
    assert.ok(performance.now() - started >= 190);
  });
});

describe('trigger', () => {
  it('validates the body like a form, with errorDetails', async () => {
    const res = await trigger({ properties: { Description: 'x'.repeat(2001), Room: 7 }, recipients: [] });
    assert.equal(res.status, 400);
    const body = (await res.json()) as { message: string; errorDetails: Array<{ jsonPath: string; details: string }> };
    assert.equal(body.message, (fixture('trigger-validation-error.json') as { message: string }).message);
    assert.deepEqual(body.errorDetails.map((d) => d.jsonPath), ['properties/Description', 'properties/Room', 'recipients']);
    assert.equal(body.errorDetails[0]?.details, 'Exceeded the specified maximum number of characters');
    const badRecipient = await trigger({ properties: {}, recipients: [{ name: 'bsmith' }] });
    assert.equal(badRecipient.status, 400);
    const malformed = await fetch(sim.inviteUrl, { method: 'POST', headers: { Authorization: AUTH, 'Content-Type': 'application/json' }, body: '{' });
    assert.equal(malformed.status, 400);
  });

  it('accepts the documented invite, expanding groups to who is on call, each person once', async () => {
    const invite = fixture('trigger-invite.json');
    const res = await trigger(invite);
    assert.equal(res.status, 202);
    const { requestId } = (await res.json()) as { requestId: string };
    const event = sim.events.find((e) => e.requestId === requestId);
    assert.ok(event);
    assert.ok(event.eventIdentifier >= 1360001);
    // Database has members bsmith and mmcbride; only bsmith is on call. bsmith is also named directly.
    assert.deepEqual(event.notifications.map((n) => [n.targetName, n.via]), [['bsmith', 'Database']]);
    assert.deepEqual(event.properties, (invite as { properties: unknown }).properties);
    assert.equal(sim.triggers.at(-1)?.status, 202);
  });

  it('reaches people by id and recipientType, and keeps recipients it cannot resolve', async () => {
    const mary = sim.directory.person('mmcbride');
    const res = await trigger({ properties: {}, recipients: [{ id: mary?.id, recipientType: 'PERSON' }, { targetName: 'ghost' }, { targetName: 'Database Admins' }] });
    const { requestId } = (await res.json()) as { requestId: string };
    const event = sim.events.find((e) => e.requestId === requestId);
    assert.deepEqual(event?.notifications.map((n) => n.targetName), ['mmcbride']);
    assert.deepEqual(event?.unresolved, [{ targetName: 'ghost' }]);
  });
});

describe('callbacks', () => {
  it('inbox answer → status, delivery and response callbacks with Basic auth and the documented shape', async () => {
    const receiver = await startReceiver();
    try {
      const callbacks = (['status', 'deliveryStatus', 'response'] as const).map((type) => ({
        url: `${receiver.url}/xmatters?type=${type}`,
        type,
        authType: 'basic',
        authUserName: 'xm-callback',
        authPassword: 'cb-secret',
      }));
      const res = await trigger({
        properties: { Room: 'ops-war-room', Description: 'DB is <down> & "out"' },
        recipients: [{ targetName: 'Database' }],
        callbacks,
      });
      const { requestId } = (await res.json()) as { requestId: string };
      const event = sim.events.find((e) => e.requestId === requestId);
      assert.ok(event);

      const inbox = await fetch(`${sim.inboxUrl}/bsmith`);
      assert.equal(inbox.status, 200);
      assert.match(inbox.headers.get('content-security-policy') ?? '', /default-src 'none'/);
      const html = await inbox.text();
      assert.ok(html.includes('DB is &lt;down&gt; &amp; &quot;out&quot;'));
      assert.ok(!html.includes('<down>'));
      assert.ok(html.includes(`action="/inbox/bsmith/events/${event.eventIdentifier}"`));
      assert.ok(html.includes('value="Accept"') && html.includes('value="Decline"'));

      const answer = await fetch(`${sim.inboxUrl}/bsmith/events/${event.eventIdentifier}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ response: 'Accept', comment: 'omw' }).toString(),
        redirect: 'manual',
      });
      assert.equal(answer.status, 303);
      assert.match(answer.headers.get('location') ?? '', /^\/inbox\/bsmith\?answered=\d+/);
      await sim.idle();

      const expectedAuth = `Basic ${Buffer.from('xm-callback:cb-secret').toString('base64')}`;
      assert.ok(receiver.received.every((r) => r.authorization === expectedAuth));
      assert.deepEqual(
        receiver.received.map((r) => r.url),
        ['/xmatters?type=status', '/xmatters?type=deliveryStatus', '/xmatters?type=response', '/xmatters?type=status'],
      );
      const response = receiver.received[2]?.body ?? {};
      assert.deepEqual(Object.keys(response).sort(), ['annotation', 'date', 'device', 'eventIdentifier', 'eventProperties', 'recipient', 'response']);
      assert.equal(response.eventIdentifier, event.eventIdentifier);
      assert.match(String(response.date), /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}$/);
      assert.deepEqual(response.eventProperties, [{ Room: 'ops-war-room' }, { Description: 'DB is <down> & "out"' }]);
      assert.deepEqual([response.recipient, response.response, response.annotation, response.device], ['bsmith', 'Accept', 'omw', 'Work Email']);
      assert.deepEqual(parseCallback(response), {
        kind: 'response',
        eventIdentifier: event.eventIdentifier,
        date: response.date,
        properties: { Room: 'ops-war-room', Description: 'DB is <down> & "out"' },
        recipient: 'bsmith',
        response: 'Accept',
        annotation: 'omw',
        device: 'Work Email',
      });
      assert.deepEqual(receiver.received.map((r) => parseCallback(r.body).kind), ['status', 'deliveryStatus', 'response', 'status']);
      assert.equal(receiver.received[3]?.body.status, 'terminated');

      const again = await fetch(`${sim.inboxUrl}/bsmith/events/${event.eventIdentifier}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: 'response=Decline',
      });
      assert.equal(again.status, 409);
      assert.match(await again.text(), /has ended|already answered/);
    } finally {
      await receiver.close();
    }
  });

  it('sends every type to the outbound integration URL; no comment is the string "null"; a person without devices fails', async () => {
    const receiver = await startReceiver();
    try {
      sim.setOutboundUrl(`${receiver.url}/outbound`, { username: 'out', password: 'out-pass' });
      sim.autoRespond({ mmcbride: { response: 'Decline', delayMs: 5 } });
      const res = await trigger({ properties: { Room: 'r1' }, recipients: [{ targetName: 'mmcbride' }, { targetName: 'nodevices' }] });
      assert.equal(res.status, 202);
      await sim.idle();
      const bodies = receiver.received.map((r) => r.body);
      assert.ok(receiver.received.every((r) => r.authorization === `Basic ${Buffer.from('out:out-pass').toString('base64')}`));
      const failed = bodies.find((b) => b.recipient === 'nodevices');
      assert.equal(failed?.deliveryStatus, 'Failed');
      const declined = bodies.find((b) => b.response === 'Decline');
      assert.equal(declined?.recipient, 'mmcbride');
      assert.equal(declined?.annotation, 'null');
      assert.equal(bodies.at(-1)?.status, 'terminated');
    } finally {
      await receiver.close();
    }
  });

  it('retries a callback the receiver failed', async () => {
    const receiver = await startReceiver([500]);
    try {
      const res = await trigger({
        properties: {},
        recipients: [{ targetName: 'bsmith' }],
        callbacks: [{ url: `${receiver.url}/cb`, type: 'status', authType: 'basic', authUserName: 'u', authPassword: 'p' }],
      });
      const { requestId } = (await res.json()) as { requestId: string };
      await sim.idle();
      const event = sim.events.find((e) => e.requestId === requestId);
      assert.equal(receiver.received.length, 2);
      assert.deepEqual(receiver.received[0]?.body, receiver.received[1]?.body);
      const delivery = sim.deliveries.find((d) => d.payload.eventIdentifier === event?.eventIdentifier);
      assert.deepEqual([delivery?.attempts, delivery?.ok, delivery?.status], [2, true, 200]);
    } finally {
      await receiver.close();
    }
  });

  it('sim.respond answers programmatically and refuses what a responder could not do', async () => {
    const res = await trigger({ properties: {}, recipients: [{ targetName: 'bsmith' }, { targetName: 'nodevices' }] });
    const { requestId } = (await res.json()) as { requestId: string };
    const event = sim.events.find((e) => e.requestId === requestId);
    assert.ok(event);
    assert.throws(() => sim.respond(event.eventIdentifier, 'nodevices', 'Accept'), /was not delivered/);
    assert.throws(() => sim.respond(event.eventIdentifier, 'mmcbride', 'Accept'), /did not notify mmcbride/);
    assert.throws(() => sim.respond(event.eventIdentifier, 'bsmith', 'Maybe' as 'Accept'), /not a response option/);
    const notification = sim.respond(event.eventIdentifier, 'bsmith', 'Accept', 'on it');
    assert.deepEqual([notification.response, notification.comment], ['Accept', 'on it']);
    assert.equal(event.status, 'terminated');
    assert.equal((await fetch(`${sim.inboxUrl}/nobody-at-all`)).status, 404);
  });
});
