import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { type XMattersSim, startXMattersSim } from '../../sim/xmatters/server';
import { AUTH, basic, fixture } from './xmatters-sim-support';

// The simulator's directory: the documented search semantics, lists filtered by the caller's
// rights, who is on call, and the faults switches.

let sim: XMattersSim;

async function api(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${sim.baseUrl}${path}`, { ...init, headers: { Authorization: AUTH, ...init.headers } });
}

async function list(path: string): Promise<{ count: number; total: number; data: Array<Record<string, string>>; links: { self: string; next?: string } }> {
  const res = await api(path);
  assert.equal(res.status, 200, `${path} → ${res.status}`);
  return (await res.json()) as never;
}

before(async () => {
  sim = await startXMattersSim();
});
after(async () => {
  await sim.close();
});
beforeEach(() => {
  sim.faults.reset();
});

describe('directory', () => {
  it('is generated deterministically from the seed, with the fixed entries', async () => {
    const again = await startXMattersSim({ people: 3000, groups: 300 });
    const other = await startXMattersSim({ seed: 2, people: 100, groups: 10 });
    try {
      assert.equal(sim.directory.people.length, 3011);
      assert.equal(sim.directory.groups.length, 307);
      assert.deepEqual(again.directory.people.map((p) => p.id), sim.directory.people.map((p) => p.id));
      assert.notDeepEqual(other.directory.people.slice(0, 20).map((p) => p.targetName), sim.directory.people.slice(0, 20).map((p) => p.targetName));
      for (const name of ['hipchat', 'admin', 'norole', 'noview', 'bsmith', 'mmcbride', 'nodevices', 'carol.jones', 'iinactive', 'aabsent']) assert.ok(other.directory.person(name), name);
      for (const name of ['Database', 'Database Admins', 'Network', 'Payments On-Call', 'Storage', 'Facilities']) assert.ok(other.directory.group(name), name);
      assert.equal(new Set(sim.directory.people.map((p) => p.targetName)).size, 3011);
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

describe('rights', () => {
  const NOVIEW = basic('noview', 'noview-pass');

  it('a user who may see nobody gets empty lists and 404s, not a 403 (E19)', async () => {
    const people = await api('/api/xm/1/people?search=smith', { headers: { Authorization: NOVIEW } });
    assert.equal(people.status, 200);
    assert.deepEqual(((await people.json()) as { count: number; total: number; data: unknown[] }), { count: 0, total: 0, data: [], links: { self: '/api/xm/1/people?search=smith&offset=0&limit=100' } });
    const groups = await api('/api/xm/1/groups', { headers: { Authorization: NOVIEW } });
    assert.equal(groups.status, 200);
    assert.equal(((await groups.json()) as { total: number }).total, 0);
    assert.equal((await api('/api/xm/1/people/bsmith', { headers: { Authorization: NOVIEW } })).status, 404);
    const onCall = await api('/api/xm/1/on-call?groups=Database', { headers: { Authorization: NOVIEW } });
    assert.equal(((await onCall.json()) as { count: number }).count, 0);
    // The same questions as the integration user find them.
    assert.ok((await list('/api/xm/1/people?search=smith')).total > 0);
  });
});

describe('GET /on-call', () => {
  type OnCall = { data: Array<{ group: { targetName: string }; shift?: { name: string }; members: { data: Array<{ position: number; delay: number; member: { targetName: string; status?: string }; absences?: unknown }> } }> };

  it('lists each group\'s shift now with its members in timeline order and their delays (E23, E24)', async () => {
    const res = await api('/api/xm/1/on-call?groups=Payments%20On-Call,Storage,Facilities,Nonexistent');
    assert.equal(res.status, 200);
    const { data } = (await res.json()) as OnCall;
    assert.deepEqual(data.map((d) => [d.group.targetName, d.shift?.name]), [['Payments On-Call', '24x7'], ['Storage', '24x7'], ['Facilities', 'Default Shift']]);
    const [payments, storage, facilities] = data;
    assert.deepEqual(payments?.members.data.map((m) => [m.position, m.member.targetName, m.delay]), [[1, 'bsmith', 0], [2, 'mmcbride', 10]]);
    assert.deepEqual(storage?.members.data.map((m) => [m.member.targetName, m.member.status, m.absences !== undefined]), [
      ['iinactive', 'INACTIVE', false],
      ['aabsent', 'ACTIVE', true],
      ['carol.jones', 'ACTIVE', false],
    ]);
    assert.deepEqual(facilities?.members.data.map((m) => [m.member.targetName, m.delay]), [['bsmith', 0], ['mmcbride', 0]]);
  });

  it('needs groups', async () => {
    const res = await api('/api/xm/1/on-call');
    assert.equal(res.status, 400);
    assert.match(((await res.json()) as { message: string }).message, /groups parameter is required/);
  });
});
