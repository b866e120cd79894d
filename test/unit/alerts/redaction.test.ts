import assert from 'node:assert/strict';
import { test } from 'node:test';
import { redactUrl } from '../../../lib/logger';

const ID = '6e9f2ba7-b860-4b7d-9127-21d578c334f4';
const SECRET = 'wabJQJWceGDIJT0OUGsIdqldHZBoftLWxD2A_3qRqak';

test('an intake URL keeps its source id in the logs, never its secret, however the path is written', () => {
  assert.equal(redactUrl(`/alerts/${ID}`), `/alerts/${ID}`);
  assert.equal(redactUrl(`/alerts/${ID}/`), `/alerts/${ID}/`);
  assert.equal(redactUrl(`/alerts/${ID}/${SECRET}`), `/alerts/${ID}/[Redacted]`);
  assert.equal(redactUrl(`/alerts/${ID}/${SECRET}/?x=1`), `/alerts/${ID}/[Redacted]?x=1`);
  assert.equal(redactUrl(`/ALERTS/${ID}/${SECRET}`), `/ALERTS/${ID}/[Redacted]`, 'routes ignore case');
  assert.equal(redactUrl(`/alerts/${ID}%2F${SECRET}`), `/alerts/${ID}/[Redacted]`);
  assert.equal(redactUrl(`/alerts/${SECRET}`), '/alerts//[Redacted]', 'a secret pasted where the id goes');
  assert.equal(redactUrl(`/alerts/${ID}/${SECRET}?auth_token=t`), `/alerts/${ID}/[Redacted]?auth_token=[Redacted]`);
  assert.equal(redactUrl('/configure/api/alert-sources'), '/configure/api/alert-sources');
});
