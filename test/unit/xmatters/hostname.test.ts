import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseHostname } from '../../../lib/xmatters/hostname';

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
