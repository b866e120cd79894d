import assert from 'node:assert/strict';
import express from 'express';
import { describe, it } from 'node:test';
import request from 'supertest';
import { createLogger, requestLogger } from '../../lib/logger';
import { errorHandler } from '../../routes/errors';
import { jsonBody } from '../../routes/json-body';

/** An app whose one route reads a JSON body of at most 64 bytes and records what it got. */
function app() {
  const received: unknown[] = [];
  const a = express();
  a.use(requestLogger(a, createLogger('silent'), { quietPaths: /^$/ }));
  a.post('/hook', jsonBody(64), (req, res) => {
    received.push(req.body);
    res.status(204).end();
  });
  a.use(errorHandler);
  return { a, received };
}

describe('jsonBody', () => {
  it('reads a UTF-8 JSON object', async () => {
    const { a, received } = app();
    await request(a).post('/hook').set('Content-Type', 'application/json; charset=utf-8').send('{"name":"Zoë","n":1}').expect(204);
    assert.deepEqual(received, [{ name: 'Zoë', n: 1 }]);
  });

  const refusals: Array<[string, (r: request.Test) => request.Test, number, string]> = [
    ['not JSON', (r) => r.set('Content-Type', 'application/json').send('{"a":'), 400, 'invalid_json'],
    ['a bare string (strict, as express.json)', (r) => r.set('Content-Type', 'application/json').send('"text"'), 400, 'invalid_json'],
    ['another media type', (r) => r.set('Content-Type', 'text/plain').send('{"a":1}'), 415, 'unsupported_media_type'],
    ['another character set', (r) => r.set('Content-Type', 'application/json; charset=latin1').send('{"a":1}'), 415, 'unsupported_charset'],
    ['a compressed body', (r) => r.set('Content-Type', 'application/json').set('Content-Encoding', 'gzip').send('{"a":1}'), 415, 'unsupported_encoding'],
    ['a body over the limit', (r) => r.set('Content-Type', 'application/json').send(JSON.stringify({ padding: 'p'.repeat(100) })), 413, 'too_large'],
  ];
  for (const [what, build, status, code] of refusals) {
    it(`refuses ${what} with ${status} ${code}, and the route never runs`, async () => {
      const { a, received } = app();
      const res = await build(request(a).post('/hook'));
      assert.equal(res.status, status);
      assert.equal(res.body.error.code, code);
      assert.deepEqual(received, []);
    });
  }
});
