import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, HIPCHAT_CLOUD_HOSTS, loadConfig } from '../../lib/config';

test('defaults describe an embedded single-machine setup', () => {
  const config = loadConfig({});
  assert.equal(config.port, 3000);
  assert.equal(config.baseUrl, 'http://localhost:3000');
  assert.deepEqual(config.database, { client: 'sqlite3', filename: './data/addon.db' });
  assert.deepEqual(config.hipchatAllowedHosts, HIPCHAT_CLOUD_HOSTS);
  assert.deepEqual(config.xmattersAllowedHosts, []);
  assert.equal(config.secretsKey, undefined);
  assert.equal(config.logLevel, 'info');
});

test('BASE_URL follows PORT unless set, and loses a trailing slash', () => {
  assert.equal(loadConfig({ PORT: '8080' }).baseUrl, 'http://localhost:8080');
  assert.equal(loadConfig({ BASE_URL: 'https://addon.example.com/' }).baseUrl, 'https://addon.example.com');
});

test('DATABASE_URL selects SQLite or PostgreSQL', () => {
  assert.deepEqual(loadConfig({ DATABASE_URL: 'postgres://u@127.0.0.1:5432/db' }).database, {
    client: 'pg',
    connectionString: 'postgres://u@127.0.0.1:5432/db',
  });
  assert.deepEqual(loadConfig({ DATABASE_URL: 'sqlite:/var/lib/addon.db' }).database, { client: 'sqlite3', filename: '/var/lib/addon.db' });
});

test('host lists are trimmed, lower-cased and may use *. and ports', () => {
  const config = loadConfig({ HIPCHAT_ALLOWED_HOSTS: ' Chat.Example.com, *.hipchat.com ,127.0.0.1:4000' });
  assert.deepEqual(config.hipchatAllowedHosts, ['chat.example.com', '*.hipchat.com', '127.0.0.1:4000']);
});

for (const [name, value] of [
  ['PORT', 'eighty'],
  ['PORT', '70000'],
  ['BASE_URL', 'ftp://x'],
  ['DATABASE_URL', 'mysql://x'],
  ['SECRETS_KEY', 'c2hvcnQ='],
  ['HIPCHAT_ALLOWED_HOSTS', 'https://api.hipchat.com'],
  ['XMATTERS_ALLOWED_HOSTS', 'a b'],
  ['LOG_LEVEL', 'loud'],
] as const) {
  test(`a bad ${name} (${value}) stops start-up with a message naming it`, () => {
    assert.throws(
      () => loadConfig({ [name]: value }),
      (err: unknown) => err instanceof ConfigError && err.message.includes(name),
    );
  });
}
