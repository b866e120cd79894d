import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newSecret, presentedSecret, secretDigest, secretMatches } from '../../../lib/alerts/secrets';

test('secrets are 256 random bits, compared through their digest', () => {
  const secret = newSecret();
  assert.match(secret, /^[A-Za-z0-9_-]{43}$/);
  assert.notEqual(newSecret(), secret);
  const digest = secretDigest(secret);
  assert.equal(secretMatches(secret, digest), true);
  assert.equal(secretMatches(`${secret}x`, digest), false);
  assert.equal(secretMatches('', digest), false);
});

test('a secret is read from the path, a Bearer header, or the password of Basic credentials', () => {
  assert.equal(presentedSecret('from-path', 'Bearer from-header'), 'from-path');
  assert.equal(presentedSecret(undefined, 'Bearer abc'), 'abc');
  assert.equal(presentedSecret(undefined, 'bearer abc'), 'abc', 'Soda Cloud’s example writes "bearer"');
  assert.equal(presentedSecret(undefined, `Basic ${Buffer.from('alerts:s3cr:et').toString('base64')}`), 's3cr:et');
  assert.equal(presentedSecret(undefined, `Basic ${Buffer.from('no-colon').toString('base64')}`), undefined);
  assert.equal(presentedSecret(undefined, 'JWT abc'), undefined);
  assert.equal(presentedSecret(undefined, `Bearer ${'x'.repeat(201)}`), undefined);
  assert.equal(presentedSecret(undefined, undefined), undefined);
});
