import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { redactUrl } from '../../lib/logger';

const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJ4In0.c2lnbmF0dXJl';

describe('redactUrl', () => {
  it('redacts credential parameters by their decoded name', () => {
    for (const name of ['signed_request', '%73igned_request', 'signed_request[]', 'signed_request[0]', 'SIGNED_REQUEST', 'auth_token', 'apiKey', 'apikey', 'token', 'jwt']) {
      const out = redactUrl(`/configure?a=1&${name}=secret-value&b=2`);
      assert.equal(out, `/configure?a=1&${name}=[Redacted]&b=2`, name);
    }
  });

  it('redacts a value that looks like a JWT whatever its name', () => {
    assert.equal(redactUrl(`/x?state=${JWT}`), '/x?state=[Redacted]');
  });

  it('leaves everything else byte for byte', () => {
    for (const url of ['/webhooks/room_enter', '/x?q=bsmith&limit=10#frag', '/x?flag', '/x?%zz=1']) assert.equal(redactUrl(url), url);
  });
});
