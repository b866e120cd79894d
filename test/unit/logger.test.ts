import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { redactText, redactUrl } from '../../lib/logger';

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

describe('redactText', () => {
  it('strips credentials from free text, wherever they sit in it', () => {
    const cases: Array<[string, string]> = [
      [`GET https://acme.example.com/configure?a=1&signed_request=${JWT} failed`, 'GET https://acme.example.com/configure?a=1&signed_request=[Redacted] failed'],
      ['Could not reach /invite/dialog?jwt=abc&x=1 (ECONNRESET)', 'Could not reach /invite/dialog?jwt=[Redacted]&x=1 (ECONNRESET)'],
      ['Authorization: Basic aGlwY2hhdDpoaXBjaGF0LXBhc3M=', 'Authorization: Basic [Redacted]'],
      ['header Authorization: JWT token=abcdefgh12345', 'header Authorization: JWT [Redacted]'],
      [`a token ${JWT} in a sentence`, 'a token [Redacted] in a sentence'],
      ['https://hipchat:hipchat-pass@acme.example.com/api', 'https://[Redacted]@acme.example.com/api'],
    ];
    for (const [text, redacted] of cases) assert.equal(redactText(text), redacted, text);
  });

  it('leaves ordinary error texts alone', () => {
    for (const text of ['HipChat answered 400 to sending a room notification: Simulated failure (HTTP 400)', 'xMatters refused the username or password (401). Check the integration user\'s credentials.', 'Basic authentication is off'])
      assert.equal(redactText(text), text);
  });
});
