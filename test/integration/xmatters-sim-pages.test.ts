import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { SimEvent } from '../../sim/xmatters/events';
import { type XMattersSim, startXMattersSim } from '../../sim/xmatters/server';
import { waitFor } from '../helpers/wait';
import { AUTH } from './xmatters-sim-support';

// The responder inbox and the event pages: server-rendered, escaped, under a strict CSP; answers
// and comments given there change the event as the API would.

let sim: XMattersSim;
before(async () => {
  sim = await startXMattersSim({ people: 20, groups: 2, triggerDelayMs: 5 });
});
after(() => sim.close());

async function eventFor(recipients: unknown[]): Promise<SimEvent> {
  const properties = { invite_id: `page-${sim.events.length}`, room_name: 'War <room> & "ops"', description: '<script>alert(1)</script>' };
  const res = await fetch(sim.inviteUrl, { method: 'POST', headers: { Authorization: AUTH, 'Content-Type': 'application/json' }, body: JSON.stringify({ properties, recipients }) });
  const { requestId } = (await res.json()) as { requestId: string };
  await waitFor(() => sim.events.some((e) => e.requestId === requestId), 'the event is created');
  return sim.events.find((e) => e.requestId === requestId)!;
}

const form = (fields: Record<string, string>) => ({
  method: 'POST',
  headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
  redirect: 'manual' as const,
});

describe('the responder inbox', () => {
  it('shows the form\'s response options, escaped, under a CSP without inline script', async () => {
    const event = await eventFor([{ targetName: 'Database' }]);
    const res = await fetch(`${sim.inboxUrl}/bsmith`);
    assert.equal(res.status, 200);
    const csp = res.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self'/);
    assert.doesNotMatch(csp, /unsafe-inline/);
    const html = await res.text();
    assert.ok(html.includes('War &lt;room&gt; &amp; &quot;ops&quot;'));
    assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;') && !html.includes('<script>alert(1)'));
    assert.ok(html.includes(`action="/inbox/bsmith/events/${event.eventIdentifier}"`));
    assert.ok(html.includes('value="Accept"') && html.includes('value="Decline"'));
    assert.ok(html.includes('via Database'));
  });

  it('an answer, a changed answer and a comment', async () => {
    const event = await eventFor([{ targetName: 'mmcbride' }]);
    const url = `${sim.inboxUrl}/mmcbride/events/${event.eventIdentifier}`;
    const first = await fetch(url, form({ response: 'Decline', comment: 'busy' }));
    assert.equal(first.status, 303);
    assert.match(first.headers.get('location') ?? '', new RegExp(`^/inbox/mmcbride\\?answered=${event.eventIdentifier}`));
    assert.equal((await fetch(url, form({ response: 'Accept', comment: '' }))).status, 303);
    assert.equal((await fetch(`${url}/comments`, form({ comment: 'Dialling in' }))).status, 303);
    const n = event.notifications[0]!;
    assert.deepEqual(n.responses.map((r) => [r.response, r.comment]), [['Decline', 'busy'], ['Accept', null]]);
    assert.deepEqual(event.comments.map((c) => [c.author, c.comment]), [['mmcbride', 'Dialling in']]);
    const html = await (await fetch(`${sim.inboxUrl}/mmcbride`)).text();
    assert.ok(html.includes('You responded Accept'));
  });

  it('refusals are shown and change nothing', async () => {
    const event = await eventFor([{ targetName: 'bsmith' }]);
    const url = `${sim.inboxUrl}/bsmith/events/${event.eventIdentifier}`;
    const maybe = await fetch(url, form({ response: 'Maybe' }));
    assert.equal(maybe.status, 400);
    assert.match(await maybe.text(), /&quot;Maybe&quot; is not a response option/);
    assert.equal((await fetch(`${sim.inboxUrl}/mmcbride/events/${event.eventIdentifier}/comments`, form({ comment: 'not mine' }))).status, 404);
    assert.equal((await fetch(`${url}/comments`, form({ comment: '   ' }))).status, 400);
    sim.terminate(event.eventIdentifier);
    assert.equal((await fetch(url, form({ response: 'Accept' }))).status, 409);
    assert.deepEqual([event.notifications[0]?.responses.length, event.comments.length], [0, 0]);
    assert.equal((await fetch(`${sim.inboxUrl}/nobody-at-all`)).status, 404);
  });
});

describe('the event pages', () => {
  it('list the events and show one with its notifications, timeline and comments', async () => {
    const event = await eventFor([{ targetName: 'bsmith' }, { targetName: 'ghost' }]);
    sim.respond(event.eventIdentifier, 'bsmith', 'Accept', 'on <my> way');
    const list = await (await fetch(`${sim.baseUrl}/events`)).text();
    assert.ok(list.includes(`href="/events/${event.eventIdentifier}"`));
    const res = await fetch(`${sim.baseUrl}/events/${event.eventIdentifier}`);
    assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    const html = await res.text();
    assert.ok(html.includes('not found: ghost'));
    assert.ok(html.includes('bsmith responded Accept: “on &lt;my&gt; way”'));
    assert.ok(html.includes('Delivered Work Email to bsmith'));
    assert.ok(!html.includes('<my>'));
    assert.equal((await fetch(`${sim.baseUrl}/events/${event.id}`)).status, 200, 'by UUID too');
  });

  it('the admin comments and terminates from the event page', async () => {
    const event = await eventFor([{ targetName: 'bsmith' }]);
    assert.equal((await fetch(`${sim.baseUrl}/events/${event.eventIdentifier}/comments`, form({ comment: 'Bridge is open' }))).status, 303);
    assert.deepEqual(event.comments.map((c) => [c.author, c.comment]), [['admin', 'Bridge is open']]);
    assert.equal((await fetch(`${sim.baseUrl}/events/${event.eventIdentifier}/comments`, form({ comment: '' }))).status, 400);
    assert.equal(event.comments.length, 1);
    assert.equal((await fetch(`${sim.baseUrl}/events/${event.eventIdentifier}/terminate`, form({}))).status, 303);
    assert.equal(event.status, 'TERMINATED');
    const html = await (await fetch(`${sim.baseUrl}/events/${event.eventIdentifier}`)).text();
    assert.match(html, /terminated by admin on the event page/);
    assert.ok(!html.includes('Terminate event'));
    assert.equal((await fetch(`${sim.baseUrl}/events/424242`)).status, 404);
  });

  it('the home page links the Developer tab, the events and the inbox; the Copy URL script is served', async () => {
    const html = await (await fetch(`${sim.baseUrl}/`)).text();
    for (const href of ['/developer', '/events', '/inbox']) assert.ok(html.includes(`href="${href}"`), href);
    const script = await fetch(`${sim.baseUrl}/assets/copy.js`);
    assert.match(script.headers.get('content-type') ?? '', /javascript/);
    assert.match(await script.text(), /clipboard/);
  });
});
