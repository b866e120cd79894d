import assert from 'node:assert/strict';
import express from 'express';
import { AxiosError, AxiosHeaders } from 'axios';
import { describe, it } from 'node:test';
import request from 'supertest';
import { AddonError, toAddonError } from '../../lib/errors';
import { HipChatApiError } from '../../lib/hipchat/errors';
import { createLogger, requestLogger } from '../../lib/logger';
import { XMattersError } from '../../lib/xmatters/errors';
import { errorHandler } from '../../routes/errors';

/** An app whose one route throws `err`, answered by the add-on's error handler. */
function appThrowing(err: unknown) {
  const app = express();
  app.use(requestLogger(app, createLogger('silent'), { quietPaths: /^$/ }));
  app.get('/boom', () => {
    throw err;
  });
  app.use(errorHandler);
  return app;
}

function axiosError(status: number, data: unknown) {
  const config = { headers: new AxiosHeaders() };
  return new AxiosError(`Request failed with status code ${status}`, 'ERR_BAD_REQUEST', config, {}, { status, statusText: 'x', data, headers: {}, config });
}

describe('the add-on answers with its own status, never an upstream one', () => {
  it('an axios 401 that escapes is a 500 without its text', async () => {
    const res = await request(appThrowing(axiosError(401, { error: { message: 'Invalid OAuth session' } }))).get('/boom');
    assert.equal(res.status, 500);
    assert.equal(res.body.error.code, 'internal');
    assert.doesNotMatch(res.text, /OAuth session|401/);
  });

  it('an error object with any `status` is not trusted', async () => {
    const res = await request(appThrowing(Object.assign(new Error('nope'), { status: 404, statusCode: 404 }))).get('/boom');
    assert.equal(res.status, 500);
  });

  it('a HipChat 404 that escapes is a 502 saying HipChat failed', async () => {
    const res = await request(appThrowing(new HipChatApiError('HipChat answered 404 to reading a room: Room not found', 'not_found', 404, undefined))).get('/boom');
    assert.equal(res.status, 502);
    assert.equal(res.body.error.code, 'hipchat_not_found');
    assert.match(res.body.error.message, /HipChat answered 404/);
  });

  it('an xMatters 429 with Retry-After is a 503 carrying it', async () => {
    const res = await request(appThrowing(new XMattersError('rate_limited', 'xMatters is busy.', { status: 429, retryable: true, retryAfterSeconds: 30 }))).get('/boom');
    assert.equal(res.status, 503);
    assert.equal(res.headers['retry-after'], '30');
  });

  it('an AddonError speaks for itself: status, code, field, headers', async () => {
    const res = await request(appThrowing(new AddonError(409, 'not_configured', 'Set it up first.', { field: 'hostname', headers: { 'X-Why': 'test' } }))).get('/boom');
    assert.equal(res.status, 409);
    assert.deepEqual(res.body, { error: { code: 'not_configured', message: 'Set it up first.', field: 'hostname' } });
    assert.equal(res.headers['x-why'], 'test');
  });

  it('body-parser failures are named, not trusted by their status', () => {
    assert.equal(toAddonError({ type: 'entity.parse.failed', status: 400 }).code, 'invalid_json');
    assert.equal(toAddonError({ type: 'entity.too.large', status: 413 }).status, 413);
    assert.equal(toAddonError({ type: 'something.else', status: 418 }).status, 500);
  });

  it('a compressed body zlib cannot inflate is a 400, not a 500', async () => {
    const app = express();
    app.use(requestLogger(app, createLogger('silent'), { quietPaths: /^$/ }));
    app.post('/in', express.json(), (_req, res) => void res.status(204).end());
    app.use(errorHandler);
    for (const encoding of ['gzip', 'deflate', 'br']) {
      const res = await request(app).post('/in').set('Content-Type', 'application/json').set('Content-Encoding', encoding).send(Buffer.from('not compressed'));
      assert.equal(res.status, 400, `${encoding}: ${res.text}`);
      assert.equal(res.body.error.code, 'invalid_encoding');
    }
  });

  it('a path parameter that is not percent-encoded UTF-8 is a 400; a URIError of our own is still a 500', async () => {
    const app = express();
    app.use(requestLogger(app, createLogger('silent'), { quietPaths: /^$/ }));
    app.get('/p/:id', (_req, res) => void res.status(204).end());
    app.get('/own', () => {
      decodeURIComponent('%E0%A4%A');
    });
    app.use(errorHandler);
    const bad = await request(app).get('/p/%ZZ');
    assert.equal(bad.status, 400, bad.text);
    assert.equal(bad.body.error.code, 'invalid_path');
    assert.equal((await request(app).get('/p/%C0%AF')).status, 400);
    assert.equal((await request(app).get('/own')).status, 500);
  });
});
