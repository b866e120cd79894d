import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { bodyWith, JSON_TYPE, tenMbJson } from '../helpers/bad-bodies';
import { bodyCases, fieldCases, jsonAttempt, type JsonEndpoint } from '../helpers/bad-endpoints';
import { runCases, Tally, type Case, type Expect } from '../helpers/bad-input';
import { startBadInputWorld, type BadInputWorld } from '../helpers/bad-world';

/**
 * What anyone can reach without a token: the descriptor, install and uninstall (HipChat's lifecycle
 * calls), health, readiness and metrics, static files, unknown paths, and requests broken at the HTTP
 * level. Install bodies are shaped as HipChat posts them (docs/hipchat-connect.md §3).
 */
let w: BadInputWorld;
const tally = new Tally();
const refused: Expect = { refused: 'json' };

before(async () => {
  w = await startBadInputWorld();
});
after(async () => {
  console.log(tally.summary('lifecycle, ops, static files, unknown paths, HTTP framing'));
  await w.world.close();
});

const get = (path: string, headers: Record<string, string | string[]> = {}) => ({ method: 'GET', path, headers });

describe('POST /installable', () => {
  // Valid in shape, but for a client HipChat never created: whatever gets past the checks is refused by
  // HipChat's token endpoint, so no case can install anything.
  const install: JsonEndpoint = {
    method: 'POST',
    path: '/installable',
    limit: 16 * 1024,
    valid: () => ({ capabilitiesUrl: w.world.hipchat.capabilitiesUrl, oauthId: 'no-such-client-4b1d', oauthSecret: 'not-a-secret', groupId: 1, roomId: 100 }),
    authorization: () => 'None',
    fields: [
      { path: ['capabilitiesUrl'], kind: 'text', max: 2000 },
      { path: ['oauthId'], kind: 'text', max: 100 },
      { path: ['oauthSecret'], kind: 'text', max: 200 },
      { path: ['groupId'], kind: 'number', alsoTakes: ['numeric text'] },
      { path: ['roomId'], kind: 'number', optional: true, nullable: true, alsoTakes: ['numeric text'] },
    ],
  };

  test('malformed bodies', async () => {
    assert.deepEqual(await runCases(w.probe, tally, refused, bodyCases(install)), []);
  });

  test('every field: wrong types, missing, empty, control characters, lone surrogates, broken UTF-8, too long', async () => {
    // Wrong-looking values the schema coerces (true for a group id) are refused by HipChat instead: 403.
    assert.deepEqual(await runCases(w.probe, tally, refused, fieldCases(install, [400, 403])), []);
  });

  test('untrusted capabilities URLs and a known oauthId with another secret', async () => {
    const known = w.global.oauthId;
    const withUrl = (url: string) => jsonAttempt(install, bodyWith(install.valid(), ['capabilitiesUrl'], url));
    const cases: Case[] = [
      { name: 'a host that is not allowed', attempt: withUrl('https://evil.example/v2/capabilities'), expect: { refused: 'json', status: [403] } },
      { name: 'the add-on itself', attempt: withUrl(`${w.world.addon.baseUrl}/atlassian-connect.json`), expect: { refused: 'json', status: [403] } },
      { name: 'a cloud metadata address', attempt: withUrl('http://169.254.169.254/latest/meta-data/'), expect: { refused: 'json', status: [403] } },
      { name: 'credentials in the URL', attempt: withUrl(w.world.hipchat.capabilitiesUrl.replace('//', '//user:pass@')), expect: { refused: 'json', status: [400, 403] } },
      { name: 'an allowed host, another path', attempt: withUrl(`${w.world.hipchat.baseUrl}/v2/room`), expect: { refused: 'json', status: [400, 403] } },
      { name: 'file:', attempt: withUrl('file:///etc/passwd'), expect: { refused: 'json', status: [400] } },
      { name: 'javascript:', attempt: withUrl('javascript:alert(1)'), expect: { refused: 'json', status: [400] } },
      { name: 'a known oauthId with another secret', attempt: jsonAttempt(install, bodyWith({ ...install.valid(), oauthId: known }, ['oauthSecret'], 'another-secret')), expect: { refused: 'json', status: [409] } },
      { name: 'a known oauthId with another group', attempt: jsonAttempt(install, bodyWith({ ...install.valid(), oauthId: known, oauthSecret: w.global.oauthSecret }, ['groupId'], 999)), expect: { refused: 'json', status: [403] } },
      { name: 'PUT', attempt: { ...jsonAttempt(install, JSON.stringify(install.valid())), method: 'PUT' }, expect: { refused: 'json', status: [404] } },
      { name: 'array and object query parameters with a bad body', attempt: jsonAttempt(install, '{', { query: 'oauthId[]=a&oauthId[$ne]=b&a=1&a=2' }), expect: { refused: 'json', status: [400] } },
      { name: 'a header block over 16 KB', attempt: jsonAttempt(install, JSON.stringify(install.valid()), { headers: { 'X-Padding': 'p'.repeat(20 * 1024) } }), expect: { refused: 'json', status: [431] } },
      { name: 'an 8 KB X-Request-Id with a bad body', attempt: jsonAttempt(install, '{', { headers: { 'X-Request-Id': 'r'.repeat(8192) } }), expect: { refused: 'json', status: [400] } },
    ];
    assert.deepEqual(await runCases(w.probe, tally, refused, cases), []);
  });
});

describe('DELETE /installable/:oauthId', () => {
  test('odd ids, and a forged uninstall of a live installation', async () => {
    const del = (id: string, extra: Partial<{ headers: Record<string, string>; body: string }> = {}) => ({ method: 'DELETE', path: `/installable/${id}`, ...extra });
    const cases: Case[] = [
      { name: 'an installation HipChat still grants tokens for', attempt: del(w.global.oauthId), expect: { refused: 'json', status: [403], code: 'still_installed' } },
      { name: 'the same with a 10 MB body', attempt: del(w.room.oauthId, { headers: JSON_TYPE, body: tenMbJson() }), expect: { refused: 'json', status: [403] } },
      { name: 'an unknown id: nothing to do', attempt: del('no-such-client'), expect: { answered: [204] } },
      { name: 'a NUL', attempt: del('a%00b'), expect: { refused: 'json', status: [404] } },
      { name: 'a broken percent escape', attempt: del('%ZZ'), expect: { refused: 'json', status: [400], code: 'invalid_path' } },
      { name: 'overlong UTF-8', attempt: del('%C0%AF'), expect: { refused: 'json', status: [400], code: 'invalid_path' } },
      { name: 'an encoded slash', attempt: del('a%2Fb'), expect: { refused: 'json', status: [404] } },
      { name: 'a dot-dot', attempt: del('%2e%2e%2f'), expect: { refused: 'json', status: [404] } },
      { name: '101 characters', attempt: del('a'.repeat(101)), expect: { refused: 'json', status: [404] } },
      { name: '10,000 characters', attempt: del('a'.repeat(10_000)), expect: { refused: 'json', status: [404] } },
      { name: 'a query operator', attempt: del(`${w.global.oauthId}?oauthId[$ne]=x`), expect: { refused: 'json', status: [403] } },
      { name: 'no id', attempt: del(''), expect: { refused: 'json', status: [404] } },
    ];
    assert.deepEqual(await runCases(w.probe, tally, refused, cases), []);
  });
});

describe('descriptor, health, readiness, metrics, static files and unknown paths', () => {
  test('odd queries are ignored where nothing is read; everything else is a 404', async () => {
    const answered = (path: string, status = [200], method = 'GET'): Case => ({ name: `${method} ${path.slice(0, 80)}`, attempt: { method, path }, expect: { answered: status } });
    const missing = (path: string, method = 'GET', status = [404]): Case => ({ name: `${method} ${path.slice(0, 80)}`, attempt: { method, path }, expect: { refused: 'json', status } });
    const odd = '?x[]=1&x[a]=2&x=1&x=2&%00=%00&y=%C0%AF&z=%ZZ';
    const cases: Case[] = [
      ...['/atlassian-connect.json', '/healthz', '/readyz', '/metrics', '/', '/public/css/addon.css', '/public/js/addon-api.js', '/public/img/avatar.png'].flatMap((path) => [answered(path), answered(`${path}${odd}`), answered(path, [200], 'HEAD')]),
      ...['/atlassian-connect.json', '/healthz', '/readyz', '/metrics', '/public/css/addon.css'].flatMap((path) => [missing(path, 'POST'), missing(path, 'DELETE')]),
      // Nothing here reads a body or a credential: a body, invalid JSON or odd headers change nothing.
      ...['/atlassian-connect.json', '/healthz', '/readyz', '/metrics'].flatMap((path): Case[] => [
        { name: `GET ${path} with a 10 MB body`, attempt: { method: 'GET', path, headers: JSON_TYPE, body: tenMbJson() }, expect: { answered: [200] } },
        { name: `GET ${path} with invalid JSON`, attempt: { method: 'GET', path, headers: JSON_TYPE, body: '{"a":' }, expect: { answered: [200] } },
        { name: `GET ${path} with duplicate Authorization headers`, attempt: { method: 'GET', path, headers: { Authorization: ['JWT a', 'Basic b'] } }, expect: { answered: [200] } },
        { name: `GET ${path} with a header block over 16 KB`, attempt: { method: 'GET', path, headers: { 'X-Padding': 'p'.repeat(20 * 1024) } }, expect: { refused: 'json', status: [431] } },
      ]),
      answered('/public', [301]),
      missing('/healthz/x'),
      missing('/public/../package.json'),
      missing('/public/%2e%2e/package.json'),
      missing('/public/%2e%2e%2f%2e%2e%2fpackage.json'),
      missing('/public/css/..%2f..%2f..%2fpackage.json'),
      missing('/public/css/%00'),
      missing('/public/css/addon.css%00.js'),
      missing('/public/%ZZ'),
      missing('/public/%C0%AE%C0%AE/package.json'),
      missing('/public/css/addon.css/'),
      missing('/public/'),
      missing('/views/error.ejs'),
      missing('/.env'),
      missing('/package.json'),
      missing('/nope'),
      missing('/%00'),
      missing('/%ZZ'),
      missing('/%C0%AF'),
      missing('/%E2%82'),
      missing(`/${'a'.repeat(10_000)}`),
      missing('//webhooks//room_enter', 'POST'),
      missing('/invite/api/%', 'GET'),
      missing('/configure/api/nope', 'POST'),
      missing('/', 'POST'),
      missing('/', 'TRACE'),
      missing('/', 'PROPFIND'),
    ];
    assert.deepEqual(await runCases(w.probe, tally, refused, cases), []);
  });
});

describe('requests broken at the HTTP level', () => {
  test('bad framing, bad headers, huge headers: answered 4xx with a JSON body', async () => {
    const raw = (name: string, lines: string[], body = '', status = [400]): Case => ({
      name,
      attempt: { raw: Buffer.from(`${lines.join('\r\n')}\r\n\r\n${body}`, 'latin1') },
      expect: { refused: 'json', status },
    });
    const host = `Host: ${new URL(w.world.addon.baseUrl).host}`;
    const hook = 'POST /webhooks/room_enter HTTP/1.1';
    const cases: Case[] = [
      raw('a header block over 16 KB', ['GET /healthz HTTP/1.1', host, `X-Padding: ${'p'.repeat(20 * 1024)}`, 'Connection: close'], '', [431]),
      raw('3,000 headers', ['GET /healthz HTTP/1.1', host, ...Array.from({ length: 3000 }, (_, i) => `X-H${i}: v`), 'Connection: close'], '', [431]),
      raw('a control character in a header value', ['GET /healthz HTTP/1.1', host, 'X-Bad: a\u0001b', 'Connection: close']),
      raw('a space in a header name', ['GET /healthz HTTP/1.1', host, 'X Bad: a', 'Connection: close']),
      raw('a header line without a colon', ['GET /healthz HTTP/1.1', host, 'NoColonHere', 'Connection: close']),
      raw('an obsolete folded header', ['GET /healthz HTTP/1.1', host, 'X-A: a', ' folded', 'Connection: close']),
      // Node refuses this one itself, with a bare 400, before any listener could answer it.
      { ...raw('no Host', ['GET /healthz HTTP/1.1', 'Connection: close']), expect: { answered: [400] } },
      raw('an invalid method', ['GE(T /healthz HTTP/1.1', host, 'Connection: close']),
      raw('a space in the path', ['GET /health z HTTP/1.1', host, 'Connection: close']),
      raw('a NUL in the path', ['GET /health\u0000z HTTP/1.1', host, 'Connection: close']),
      raw('HTTP/9.9', ['GET /healthz HTTP/9.9', host, 'Connection: close'], '', [400, 505]),
      raw('two different Content-Lengths', [hook, host, 'Content-Type: application/json', 'Content-Length: 2', 'Content-Length: 3', 'Connection: close'], '{}'),
      raw('Content-Length and Transfer-Encoding', [hook, host, 'Content-Type: application/json', 'Content-Length: 2', 'Transfer-Encoding: chunked', 'Connection: close'], '0\r\n\r\n'),
      raw('a negative Content-Length', [hook, host, 'Content-Type: application/json', 'Content-Length: -1', 'Connection: close'], '{}'),
      raw('a Content-Length that is not a number', [hook, host, 'Content-Type: application/json', 'Content-Length: two', 'Connection: close'], '{}'),
      raw('a broken chunk size', [hook, host, 'Content-Type: application/json', 'Transfer-Encoding: chunked', 'Connection: close'], 'zz\r\n{}\r\n0\r\n\r\n'),
      raw('an unknown Transfer-Encoding', [hook, host, 'Content-Type: application/json', 'Transfer-Encoding: rot13', 'Connection: close'], '{}', [400, 501]),
      raw('raw non-ASCII bytes in the path', ['GET /\u00c0\u00af HTTP/1.1', host, 'Connection: close'], '', [400, 404]),
      raw('duplicate Authorization on a webhook, no valid token', [hook, host, 'Authorization: JWT a', 'Authorization: JWT b', 'Content-Type: application/json', 'Content-Length: 2', 'Connection: close'], '{}', [401]),
    ];
    assert.deepEqual(await runCases(w.probe, tally, refused, cases), []);
  });

  test('the table did not shrink', () => {
    assert.ok(tally.cases >= 250, `only ${tally.cases} cases ran`);
    assert.equal(tally.serverErrors, 0);
  });
});
