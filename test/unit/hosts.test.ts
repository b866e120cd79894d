import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isUrlHostAllowed } from '../../lib/hipchat/hosts';

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
