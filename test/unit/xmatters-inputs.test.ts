import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isHostAllowed } from '../../lib/security/outbound';
import { parseHostname } from '../../lib/xmatters/hostname';
import { validateInviteUrl } from '../../lib/xmatters/invite-url';

const FUNCTION_PATH = '/api/integration/1/functions/8a1f0c3e-5b7d-4e2a-9c61-2f4d8e0b7a53/triggers';

describe('isHostAllowed', () => {
  const allowed = ['xm.corp.example', '127.0.0.1:4100', '*.internal.example', '[::1]:8080'];
  const cases: Array<[string, boolean]> = [
    ['xm.corp.example', true],
    ['XM.Corp.Example:8443', true], // an entry without a port allows any port
    ['127.0.0.1:4100', true],
    ['127.0.0.1:4101', false],
    ['127.0.0.1', false],
    ['a.internal.example', true],
    ['a.b.internal.example:9000', true],
    ['internal.example', false], // "*." covers subdomains, not the domain itself
    ['evilinternal.example', false],
    ['[::1]:8080', true],
    ['[::1]:8081', false],
    ['acme.xmatters.com', false],
  ];
  for (const [host, expected] of cases) {
    it(`${host} → ${expected}`, () => assert.equal(isHostAllowed(host, allowed), expected));
  }
  it('allows nothing with an empty list', () => assert.equal(isHostAllowed('127.0.0.1', []), false));
});

describe('parseHostname', () => {
  it('accepts a bare host and reduces a pasted URL to its host', () => {
    assert.deepEqual(parseHostname('acme.xmatters.com', []), { ok: true, hostname: 'acme.xmatters.com', scheme: 'https' });
    assert.deepEqual(parseHostname(' https://Acme.xMatters.com/ ', []), { ok: true, hostname: 'acme.xmatters.com', scheme: 'https' });
    assert.deepEqual(parseHostname('acme.xmatters.com:8443', []), { ok: true, hostname: 'acme.xmatters.com:8443', scheme: 'https' });
  });

  it('uses http only for an allowed host typed with http://', () => {
    assert.deepEqual(parseHostname('http://127.0.0.1:4100', ['127.0.0.1:4100']), { ok: true, hostname: '127.0.0.1:4100', scheme: 'http' });
    const refused = parseHostname('http://acme.xmatters.com', ['127.0.0.1:4100']);
    assert.equal(refused.ok, false);
    assert.match(!refused.ok ? refused.message : '', /https only.*XMATTERS_ALLOWED_HOSTS/);
  });

  for (const bad of ['', '   ', 'acme.xmatters.com/api/xm/1', 'user:pw@acme.xmatters.com', 'acme xmatters', 'acme.xmatters.com?x=1', 'https://']) {
    it(`refuses ${JSON.stringify(bad)}`, () => {
      const result = parseHostname(bad, []);
      assert.equal(result.ok, false);
      assert.match(!result.ok ? result.message : '', /hostname only, for example acme\.xmatters\.com/);
    });
  }
});

describe('validateInviteUrl', () => {
  it('accepts the inbound integration URL on the configured host, with or without ?apiKey=', () => {
    const url = `https://acme.xmatters.com${FUNCTION_PATH}`;
    assert.deepEqual(validateInviteUrl(url, 'acme.xmatters.com', []), { ok: true, url });
    assert.equal(validateInviteUrl(`${url}?apiKey=abc`, 'acme.xmatters.com', []).ok, true);
    assert.equal(validateInviteUrl(`https://acme.xmatters.com:443${FUNCTION_PATH}`, 'acme.xmatters.com', []).ok, true);
  });

  it('accepts http only for an allowed host', () => {
    const url = `http://127.0.0.1:4100${FUNCTION_PATH}`;
    assert.equal(validateInviteUrl(url, '127.0.0.1:4100', ['127.0.0.1:4100']).ok, true);
    assert.deepEqual(validateInviteUrl(url, '127.0.0.1:4100', []), { ok: false, message: 'The Invite to Room URL must start with https://.' });
  });

  const refusals: Array<[string, string, RegExp]> = [
    ['not a URL', 'acme.xmatters.com/api', /not a web address/],
    ['another host', `https://evil.example${FUNCTION_PATH}`, /points to evil\.example, but the xMatters hostname is acme\.xmatters\.com/],
    ['another port', `https://acme.xmatters.com:8443${FUNCTION_PATH}`, /points to acme\.xmatters\.com:8443/],
    ['the REST API', 'https://acme.xmatters.com/api/xm/1/people', /should look like/],
    ['a path suffix', `https://acme.xmatters.com${FUNCTION_PATH}/x`, /should look like/],
    ['a non-UUID id', 'https://acme.xmatters.com/api/integration/1/functions/123/triggers', /should look like/],
    ['credentials in the URL', `https://u:p@acme.xmatters.com${FUNCTION_PATH}`, /must not contain a user name or password/],
  ];
  for (const [name, url, message] of refusals) {
    it(`refuses ${name}`, () => {
      const result = validateInviteUrl(url, 'acme.xmatters.com', []);
      assert.equal(result.ok, false);
      assert.match(!result.ok ? result.message : '', message);
    });
  }
});
