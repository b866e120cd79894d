import assert from 'node:assert/strict';
import { describe, it, test } from 'node:test';
import { isHostAllowed, isUrlHostAllowed } from '../../../lib/security/hosts';

test('exact hosts, wildcard subdomains and ports', () => {
  const allowed = ['api.hipchat.com', '*.hipchat.com', '127.0.0.1:4000'];
  assert.ok(isUrlHostAllowed(new URL('https://api.hipchat.com/v2/capabilities'), allowed));
  assert.ok(isUrlHostAllowed(new URL('https://acme.hipchat.com/v2/capabilities'), allowed));
  assert.ok(isUrlHostAllowed(new URL('http://127.0.0.1:4000/v2/capabilities'), allowed));
  assert.ok(!isUrlHostAllowed(new URL('https://hipchat.com.evil.com/'), allowed));
  assert.ok(!isUrlHostAllowed(new URL('https://evilhipchat.com/'), allowed));
  assert.ok(!isUrlHostAllowed(new URL('http://127.0.0.1:4001/'), allowed));
  assert.ok(!isUrlHostAllowed(new URL('https://api.hipchat.com:8443/'), allowed), 'a port must be listed');
});

describe('isHostAllowed (xMatters hosts as an admin typed them)', () => {
  const allowed = ['xm.corp.example', '127.0.0.1:4100', '*.internal.example', '[::1]:8080'];
  const cases: Array<[string, boolean]> = [
    ['xm.corp.example', true],
    ['XM.Corp.Example', true],
    ['XM.Corp.Example:8443', false], // an entry without a port allows only the scheme's default port
    ['xm.corp.example:443', true],
    ['127.0.0.1:4100', true],
    ['127.0.0.1:4101', false],
    ['127.0.0.1', false],
    ['a.internal.example', true],
    ['a.b.internal.example', true],
    ['a.b.internal.example:9000', false],
    ['internal.example', false], // "*." covers subdomains, not the domain itself
    ['evilinternal.example', false],
    ['[::1]:8080', true],
    ['[::1]:8081', false],
    ['acme.xmatters.com', false],
  ];
  for (const [host, expected] of cases) {
    it(`${host} → ${expected}`, () => assert.equal(isHostAllowed(host, allowed, 'https'), expected));
  }
  it('allows nothing with an empty list', () => assert.equal(isHostAllowed('127.0.0.1', [], 'https'), false));
});

test('HipChat and xMatters hosts follow the same port rule', () => {
  const allowed = ['hipchat.corp.example', 'xm.corp.example'];
  for (const host of allowed) {
    assert.equal(isUrlHostAllowed(new URL(`https://${host}/`), allowed), isHostAllowed(host, allowed, 'https'));
    assert.equal(isUrlHostAllowed(new URL(`https://${host}:8443/`), allowed), isHostAllowed(`${host}:8443`, allowed, 'https'));
    assert.equal(isUrlHostAllowed(new URL(`https://${host}:8443/`), allowed), false);
  }
});
