import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateInviteUrl } from '../../../lib/xmatters/invite-url';

const FUNCTION_PATH = '/api/integration/1/functions/8a1f0c3e-5b7d-4e2a-9c61-2f4d8e0b7a53/triggers';

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
