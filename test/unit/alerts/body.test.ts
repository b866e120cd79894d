import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jsonOf, readBody } from '../../../lib/alerts/body';
import { AddonError } from '../../../lib/errors';

const bytes = (text: string) => Buffer.from(text, 'utf8');

function refused(raw: string, type: string | undefined, status: number, code: string, message: RegExp) {
  assert.throws(() => readBody(bytes(raw), type), (err: unknown) => err instanceof AddonError && err.status === status && err.code === code && message.test(err.message), `${type}: ${raw}`);
}

test('JSON with or without a Content-Type; forms; text and HTML', () => {
  assert.deepEqual(readBody(bytes('{"a":1}'), 'application/json; charset=utf-8'), { type: 'json', value: { a: 1 } });
  assert.deepEqual(readBody(bytes('{"a":1}'), undefined), { type: 'json', value: { a: 1 } }, 'Sumo Logic does not say what it sends');
  assert.deepEqual(readBody(bytes('\uFEFF[1]'), 'application/vnd.api+json'), { type: 'json', value: [1] });
  assert.deepEqual(readBody(bytes('incident=31&summary=&__proto__=x'), 'application/x-www-form-urlencoded'), { type: 'form', value: { incident: '31', summary: '', ['__proto__']: 'x' } });
  assert.equal(Object.getPrototypeOf((readBody(bytes('__proto__=x'), 'application/x-www-form-urlencoded').value as object)), Object.prototype);
  assert.deepEqual(readBody(bytes('Build <b>12</b> failed'), 'text/html'), { type: 'text', value: 'Build <b>12</b> failed', format: 'html' });
  assert.deepEqual(jsonOf(readBody(bytes('{"a":2}'), 'text/plain')), { a: 2 }, 'JSON labelled text/plain is read as JSON where JSON is wanted');
});

test('malformed, empty, multipart and non-UTF-8 bodies are refused with a sentence', () => {
  refused('{"message": "x",}', 'application/json', 400, 'invalid_json', /^The body is not valid JSON \(.+\)\. Send the alert as a JSON object\.$/);
  refused('  ', 'application/json', 400, 'empty_body', /no body/);
  refused('--b\r\n', 'multipart/form-data; boundary=b', 415, 'unsupported_media_type', /Multipart/);
  refused('{}', 'application/json; charset=iso-8859-1', 415, 'unsupported_charset', /iso-8859-1.*UTF-8/);
  assert.throws(() => jsonOf(readBody(bytes('not json'), 'text/plain')), /not valid JSON/);
});

test('a body nested deeper than 64 levels is refused before anything walks it', () => {
  refused(`${'['.repeat(100_000)}${']'.repeat(100_000)}`, 'application/json', 400, 'too_deep', /more than 64 levels deep/);
  refused(`{"a":${'{"b":'.repeat(64)}1${'}'.repeat(64)}}`, 'application/json', 400, 'too_deep', /64 levels/);
  assert.deepEqual(readBody(bytes(`${'['.repeat(64)}${']'.repeat(64)}`), 'application/json').type, 'json');
});
