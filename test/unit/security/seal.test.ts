import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createSealer, resolveSecretsKey } from '../../../lib/security/seal';

test('sealing round-trips and never contains the plain text', () => {
  const sealer = createSealer(randomBytes(32));
  const sealed = sealer.seal('oauth-secret-value');
  assert.ok(!sealed.includes('oauth-secret-value'));
  assert.notEqual(sealer.seal('oauth-secret-value'), sealed, 'a fresh IV each time');
  assert.equal(sealer.unseal(sealed), 'oauth-secret-value');
});

test('a tampered value or another key fails to unseal', () => {
  const sealer = createSealer(randomBytes(32));
  const sealed = sealer.seal('secret');
  const parts = sealed.split('.');
  parts[3] = Buffer.from('xxxxxx').toString('base64url');
  assert.throws(() => sealer.unseal(parts.join('.')));
  assert.throws(() => createSealer(randomBytes(32)).unseal(sealed));
  assert.throws(() => sealer.unseal('plain'), /Not a sealed value/);
});

test('without SECRETS_KEY a key is generated once into the data folder with mode 0600', () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'seal-')), 'data');
  const first = resolveSecretsKey(undefined, dir);
  assert.equal(first.length, 32);
  assert.equal(statSync(join(dir, 'secrets.key')).mode & 0o777, 0o600);
  assert.deepEqual(resolveSecretsKey(undefined, dir), first, 'the same key on the next start');
});

test('SECRETS_KEY wins, and a damaged key file is reported, not replaced', () => {
  const configured = randomBytes(32).toString('base64');
  assert.equal(resolveSecretsKey(configured, '/nonexistent').toString('base64'), configured);
  const dir = mkdtempSync(join(tmpdir(), 'seal-'));
  writeFileSync(join(dir, 'secrets.key'), 'short', { mode: 0o600 });
  assert.throws(() => resolveSecretsKey(undefined, dir), /SECRETS_KEY/);
  assert.equal(readFileSync(join(dir, 'secrets.key'), 'utf8'), 'short');
});
