import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { createOutboundHttp } from '../../lib/security/outbound';
import { type XMattersClient, createXMattersClient } from '../../lib/xmatters/client';
import { XMattersError } from '../../lib/xmatters/errors';
import type { TriggerBody } from '../../lib/xmatters/trigger';
import { INVITE_FUNCTION, type XMattersSim, startXMattersSim } from '../../sim/xmatters/server';
import { waitFor } from '../helpers/wait';

const readFixture = (name: string): unknown =>
  (JSON.parse(readFileSync(new URL(`../fixtures/xmatters/${name}`, import.meta.url), 'utf8')) as { payload: unknown }).payload;

// The client against the simulator over real HTTP on 127.0.0.1. Where a peer that is not
// xMatters is needed (an HTML site, a redirect), a plain node server plays it.

const TIMEOUT_MS = 400;

interface Peer {
  host: string;
  hits: string[];
  close(): Promise<void>;
}

async function startPeer(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<Peer> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(req.url ?? '');
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function client(hostname: string, opts: { allowed?: string[]; scheme?: 'http' | 'https'; username?: string; password?: string } = {}): XMattersClient {
  return createXMattersClient({
    hostname,
    scheme: opts.scheme ?? 'http',
    username: opts.username ?? 'hipchat',
    password: opts.password ?? 'hipchat-pass',
    http: createOutboundHttp({ allowedHosts: opts.allowed ?? [hostname], timeoutMs: TIMEOUT_MS }),
  });
}

async function rejection(promise: Promise<unknown>): Promise<XMattersError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof XMattersError, `expected an XMattersError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the call to fail');
}

let sim: XMattersSim;

before(async () => {
  sim = await startXMattersSim();
});
after(async () => {
  await sim.close();
});
beforeEach(() => {
  sim.faults.reset();
});

describe('testAuthentication', () => {
  it('signs in and names the integration user', async () => {
    const result = await client(sim.hostname).testAuthentication();
    assert.equal(result.ok, true);
    assert.ok(result.ok && result.person);
    assert.equal(result.person.targetName, 'hipchat');
    assert.equal(result.person.displayName, 'Integration User');
    assert.equal(result.person.id, sim.directory.person('hipchat')?.id);
    assert.equal(result.message, 'Signed in to xMatters as Integration User (hipchat).');
    assert.ok(sim.requests.some((r) => r.path === '/api/xm/1/people' && r.query === 'webLogin=hipchat'));
  });

  it('401: wrong password, without repeating the password', async () => {
    const result = await client(sim.hostname, { password: 'Sup3r-Secret' }).testAuthentication();
    assert.deepEqual(result, {
      ok: false,
      code: 'bad_credentials',
      status: 401,
      message: "xMatters refused the username or password (401). Check the integration user's credentials.",
    });
  });

  it('403: a user without the REST Web Service User role', async () => {
    const result = await client(sim.hostname, { username: 'norole', password: 'norole-pass' }).testAuthentication();
    assert.equal(result.ok, false);
    assert.equal(!result.ok && result.code, 'forbidden');
    assert.equal(!result.ok && result.status, 403);
    assert.match(!result.ok ? result.message : '', /"norole" may not use the REST API \(403\)\. Give the user the REST Web Service User role\./);
  });

  it('404 with an HTML page, and 200 with an HTML page: not xMatters', async () => {
    const site = await startPeer((req, res) => {
      res.writeHead(req.url?.includes('people') ? 404 : 200, { 'Content-Type': 'text/html' }).end('<html><body>Acme Corp</body></html>');
    });
    const spa = await startPeer((_req, res) => res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html><html></html>'));
    try {
      const notFound = await client(site.host).testAuthentication();
      assert.equal(!notFound.ok && notFound.code, 'not_xmatters');
      assert.equal(!notFound.ok && notFound.status, 404);
      assert.match(!notFound.ok ? notFound.message : '', /answered with an HTML page \(HTTP 404\).*Check the hostname/);
      const ok200 = await client(spa.host).testAuthentication();
      assert.equal(!ok200.ok && ok200.code, 'not_xmatters');
    } finally {
      await site.close();
      await spa.close();
    }
  });

  it('dns: a hostname that does not exist', async () => {
    const result = await client('acme.xmatters.invalid', { scheme: 'https', allowed: [] }).testAuthentication();
    assert.equal(!result.ok && result.code, 'dns');
    assert.match(!result.ok ? result.message : '', /acme\.xmatters\.invalid could not be found/);
  });

  it('connect: nothing listens on the port', async () => {
    const host = `127.0.0.1:${await closedPort()}`;
    const result = await client(host).testAuthentication();
    assert.equal(!result.ok && result.code, 'connect');
    assert.match(!result.ok ? result.message : '', /Could not connect to 127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
  });

  it('tls: https to a server that does not speak TLS', async () => {
    const result = await client(sim.hostname, { scheme: 'https' }).testAuthentication();
    assert.equal(!result.ok && result.code, 'tls');
    assert.match(!result.ok ? result.message : '', /secure connection to 127\.0\.0\.1:\d+ failed/);
  });

  it('timeout: xMatters slower than the client waits', async () => {
    sim.faults.latencyMs = TIMEOUT_MS * 4;
    const result = await client(sim.hostname).testAuthentication();
    assert.equal(!result.ok && result.code, 'timeout');
    assert.match(!result.ok ? result.message : '', /did not answer within 0\.4 seconds/);
  });

  it('429 with Retry-After', async () => {
    sim.faults.failNext(1, 429, { retryAfter: 7 });
    const result = await client(sim.hostname).testAuthentication();
    assert.deepEqual(result, {
      ok: false,
      code: 'rate_limited',
      status: 429,
      retryAfterSeconds: 7,
      message: 'xMatters is limiting requests (429). Try again in 7 seconds.',
    });
  });

  it('5xx: xMatters down', async () => {
    sim.faults.down();
    const result = await client(sim.hostname).testAuthentication();
    assert.equal(!result.ok && result.code, 'server_error');
    assert.equal(!result.ok && result.status, 503);
  });

  it('private_address: a host outside the allow list that is a private address is never contacted', async () => {
    const before = sim.requests.length;
    const result = await client(sim.hostname, { scheme: 'https', allowed: [] }).testAuthentication();
    assert.equal(!result.ok && result.code, 'private_address');
    assert.match(!result.ok ? result.message : '', /private or local network address \(127\.0\.0\.1\).*XMATTERS_ALLOWED_HOSTS/);
    assert.equal(sim.requests.length, before);
  });

  it('insecure_scheme: plain http to a host outside the allow list is refused before any request', async () => {
    const before = sim.requests.length;
    const result = await client(sim.hostname, { scheme: 'http', allowed: [] }).testAuthentication();
    assert.equal(!result.ok && result.code, 'insecure_scheme');
    assert.equal(sim.requests.length, before);
  });

  it('a redirect is reported, not followed', async () => {
    const target = await startPeer((_req, res) => res.writeHead(200).end('{}'));
    const redirector = await startPeer((_req, res) => res.writeHead(302, { Location: `http://${target.host}/api/xm/1/people` }).end());
    try {
      const result = await client(redirector.host, { allowed: [redirector.host, target.host] }).testAuthentication();
      assert.equal(!result.ok && result.code, 'not_xmatters');
      assert.match(!result.ok ? result.message : '', new RegExp(`redirects to ${target.host.replace(/\./g, '\\.')} \\(302\\)`));
      assert.deepEqual(target.hits, []);
    } finally {
      await target.close();
      await redirector.close();
    }
  });

  it('an account xMatters accepts but whose person it cannot see', async () => {
    const empty = await startPeer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ count: 0, total: 0, data: [], links: { self: '/api/xm/1/people' } }));
    });
    try {
      const result = await client(empty.host, { username: 'api-key-123' }).testAuthentication();
      assert.equal(result.ok, true);
      assert.equal(result.ok && result.person, null);
      assert.match(result.message, /accepted the credentials, but no person with the user ID "api-key-123"/);
    } finally {
      await empty.close();
    }
  });
});

describe('searchRecipients', () => {
  it('merges people and groups, exact and prefix matches first', async () => {
    const results = await client(sim.hostname).searchRecipients('Database');
    assert.ok(results.length <= 20);
    assert.deepEqual(results.slice(0, 2).map((r) => [r.targetName, r.type]), [['Database', 'GROUP'], ['Database Admins', 'GROUP']]);
    const rest = results.slice(2).map((r) => r.displayName);
    assert.deepEqual(rest, [...rest].sort((a, b) => a.localeCompare(b, 'en', { sensitivity: 'base' })));
    assert.ok(rest.every((name) => /database/i.test(name)));

    const mixed = await client(sim.hostname).searchRecipients('mcbride');
    assert.deepEqual(mixed.map((r) => [r.targetName, r.type, r.displayName]), [
      ['mmcbride', 'PERSON', 'Mary McBride'],
      ['Database Admins', 'GROUP', 'Database Admins'],
    ]);
    assert.equal(mixed[0]?.id, sim.directory.person('mmcbride')?.id);
    assert.equal(mixed[0]?.status, 'ACTIVE');
  });

  it('asks for people and groups at the same time', async () => {
    // Each answer is held back: the second search must arrive while the first is still unanswered.
    sim.faults.latencyMs = 300;
    const from = sim.requests.length;
    let settled = false;
    const search = client(sim.hostname).searchRecipients('mcbride').finally(() => (settled = true));
    try {
      await waitFor(() => sim.requests.slice(from).length >= 2, 'both searches reached xMatters');
      assert.equal(settled, false, 'both arrived before either was answered');
      assert.deepEqual(sim.requests.slice(from).map((r) => r.path).sort(), ['/api/xm/1/groups', '/api/xm/1/people']);
      assert.deepEqual((await search).map((r) => r.targetName), ['mmcbride', 'Database Admins'], 'and the search succeeds');
    } finally {
      sim.faults.latencyMs = 0;
    }
  });

  it('returns at most `limit`, following links.next for a bounded number of pages', async () => {
    const from = sim.requests.length;
    const results = await client(sim.hostname).searchRecipients('an');
    assert.equal(results.length, 20);
    const peopleQueries = sim.requests.slice(from).filter((r) => r.path === '/api/xm/1/people').map((r) => new URLSearchParams(r.query).get('offset'));
    assert.deepEqual(peopleQueries, [null, '100', '200']);
    assert.equal((await client(sim.hostname).searchRecipients('an', { limit: 5 })).length, 5);
  });

  it('ranks results from later pages too', async () => {
    const small = await startXMattersSim({ people: 50, maxLimit: 5 });
    try {
      const from = small.requests.length;
      const results = await client(small.hostname).searchRecipients('Database');
      const groupOffsets = small.requests.slice(from).filter((r) => r.path === '/api/xm/1/groups').map((r) => new URLSearchParams(r.query).get('offset'));
      assert.deepEqual(groupOffsets, [null, '5', '10']);
      assert.equal(results.filter((r) => r.type === 'GROUP').length, 15);
      assert.ok(results.some((r) => r.targetName === 'Database'), 'the exact match was on a later page');
      assert.equal(results[0]?.targetName, 'Database');
    } finally {
      await small.close();
    }
  });

  it('returns nothing for an empty query without calling xMatters', async () => {
    const from = sim.requests.length;
    assert.deepEqual(await client(sim.hostname).searchRecipients('   '), []);
    assert.equal(sim.requests.length, from);
  });

  it('fails with a coded error when xMatters does', async () => {
    sim.faults.failNext(2, 429, { retryAfter: 3 });
    const error = await rejection(client(sim.hostname).searchRecipients('bob'));
    assert.deepEqual([error.code, error.retryAfterSeconds], ['rate_limited', 3]);
  });
});

describe('trigger', () => {
  const body: TriggerBody = {
    properties: { Room: 'ops-war-room', Description: 'DB is down, join', Inviter: 'alice' },
    recipients: [{ targetName: 'bsmith' }],
    priority: 'HIGH',
  };

  it('202: returns the requestId, with Basic credentials', async () => {
    const { requestId } = await client(sim.hostname).trigger(sim.inviteUrl, body);
    const received = sim.triggers.at(-1);
    assert.equal(received?.requestId, requestId);
    assert.deepEqual([received?.status, received?.auth, received?.user], [202, 'basic', 'hipchat']);
    assert.deepEqual(received?.body, body);
    // xMatters creates the event after it answered (E1).
    await waitFor(() => sim.events.some((e) => e.requestId === requestId), 'the event is created');
  });

  it('202 with URL authentication: the key in the URL, no password sent', async () => {
    const { requestId } = await client(sim.hostname, { password: 'not-needed' }).trigger(sim.inviteUrlWithApiKey, body);
    assert.match(requestId, /^[0-9a-f-]{36}$/);
    assert.equal(sim.triggers.at(-1)?.auth, 'apiKey');
  });

  it('400: the validation details as one sentence', async () => {
    // The simulated trigger answers 202 even to invalid bodies (E1); a peer answers the documented 400 body (E9).
    const validating = await startPeer((_req, res) =>
      res.writeHead(400, { 'Content-Type': 'application/json' }).end(JSON.stringify(readFixture('trigger-validation-error.json'))),
    );
    try {
      const url = `http://${validating.host}/api/integration/1/functions/${INVITE_FUNCTION.id}/triggers`;
      const error = await rejection(client(validating.host).trigger(url, body));
      assert.equal(error.code, 'invalid_request');
      assert.equal(error.status, 400);
      assert.equal(error.retryable, false);
      assert.equal(error.message, 'xMatters rejected the invite: properties/test — Exceeded the specified maximum number of characters');
    } finally {
      await validating.close();
    }
  });

  it('401: wrong password or wrong API key', async () => {
    const wrongPassword = await rejection(client(sim.hostname, { password: 'nope' }).trigger(sim.inviteUrl, body));
    assert.deepEqual([wrongPassword.code, wrongPassword.status, wrongPassword.retryable], ['bad_credentials', 401, false]);
    const wrongKey = await rejection(client(sim.hostname).trigger(`${sim.inviteUrl}?apiKey=wrong`, body));
    assert.equal(wrongKey.code, 'bad_credentials');
    assert.match(wrongKey.message, /API key in the Invite to Room URL/);
  });

  it('403: the user may not send the form', async () => {
    const error = await rejection(client(sim.hostname, { username: 'norole', password: 'norole-pass' }).trigger(sim.inviteUrl, body));
    assert.equal(error.code, 'forbidden');
    assert.match(error.message, /Sender Permissions/);
  });

  it('404: no such inbound integration', async () => {
    const url = sim.inviteUrl.replace(INVITE_FUNCTION.id, '00000000-0000-4000-8000-000000000000');
    const error = await rejection(client(sim.hostname).trigger(url, body));
    assert.deepEqual([error.code, error.status, error.retryable], ['not_found', 404, false]);
  });

  it('429: retryable, with Retry-After', async () => {
    sim.faults.failNext(1, 429, { retryAfter: 30 });
    const error = await rejection(client(sim.hostname).trigger(sim.inviteUrl, body));
    assert.deepEqual([error.code, error.status, error.retryable, error.retryAfterSeconds], ['rate_limited', 429, true, 30]);
  });

  it('5xx and timeouts: retryable', async () => {
    sim.faults.failNext(1, 502);
    const bad = await rejection(client(sim.hostname).trigger(sim.inviteUrl, body));
    assert.deepEqual([bad.code, bad.status, bad.retryable], ['server_error', 502, true]);
    sim.faults.latencyMs = TIMEOUT_MS * 4;
    const slow = await rejection(client(sim.hostname).trigger(sim.inviteUrl, body));
    assert.deepEqual([slow.code, slow.retryable], ['timeout', true]);
  });

  it('refuses a URL on another host before sending credentials anywhere', async () => {
    const other = await startPeer((_req, res) => res.writeHead(202).end('{"requestId":"x"}'));
    try {
      const url = `http://${other.host}/api/integration/1/functions/${INVITE_FUNCTION.id}/triggers`;
      const error = await rejection(client(sim.hostname, { allowed: [sim.hostname, other.host] }).trigger(url, body));
      assert.equal(error.code, 'invalid_invite_url');
      assert.deepEqual(other.hits, []);
    } finally {
      await other.close();
    }
  });
});
