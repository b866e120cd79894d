import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { restError, triggerError } from '../../../lib/xmatters/status-errors';
import type { XMattersResponse } from '../../../lib/xmatters/transport';

function fixture(name: string): unknown {
  return (JSON.parse(readFileSync(new URL(`../../fixtures/xmatters/${name}`, import.meta.url), 'utf8')) as { payload: unknown }).payload;
}

function response(status: number, json?: unknown, extra: Partial<XMattersResponse> = {}): XMattersResponse {
  return { status, json, html: false, retryAfterSeconds: undefined, location: undefined, ...extra };
}

describe('what an xMatters status means', () => {
  it('turns the documented form-validation body into one sentence', () => {
    const error = triggerError(response(400, fixture('trigger-validation-error.json')), 'acme.xmatters.com', 'basic');
    assert.equal(error.code, 'invalid_request');
    assert.equal(error.message, 'xMatters rejected the invite: properties/test — Exceeded the specified maximum number of characters');
    assert.equal(error.retryable, false);
  });

  it('reads the documented 401 body as bad credentials', () => {
    const error = restError(response(401, fixture('error-401.json')), 'acme.xmatters.com', 'hipchat');
    assert.equal(error.code, 'bad_credentials');
    assert.equal(error.message, "xMatters refused the username or password (401). Check the integration user's credentials.");
  });

  it('tells a 404 from a known function apart from a page that is not xMatters', () => {
    assert.equal(triggerError(response(404, { code: 404, reason: 'Not Found', message: 'x' }), 'h', 'basic').code, 'not_found');
    assert.equal(triggerError(response(404, undefined, { html: true }), 'h', 'basic').code, 'not_xmatters');
    assert.equal(restError(response(404, { code: 404 }), 'h', 'u').code, 'not_xmatters');
  });

  it('marks 429 and 5xx retryable with Retry-After, other 4xx not', () => {
    const limited = restError(response(429, undefined, { retryAfterSeconds: 12 }), 'h', 'u');
    assert.deepEqual([limited.code, limited.retryable, limited.retryAfterSeconds], ['rate_limited', true, 12]);
    assert.match(limited.message, /Try again in 12 seconds/);
    const down = triggerError(response(503), 'h', 'basic');
    assert.deepEqual([down.code, down.retryable], ['server_error', true]);
    const odd = triggerError(response(409, { message: 'Conflict here' }), 'h', 'basic');
    assert.deepEqual([odd.code, odd.retryable], ['unexpected', false]);
    assert.match(odd.message, /Conflict here/);
  });

  it('reports a redirect with where it points', () => {
    const error = restError(response(302, undefined, { location: 'https://login.example.com/sso' }), 'acme.example.com', 'u');
    assert.equal(error.code, 'not_xmatters');
    assert.match(error.message, /redirects to login\.example\.com \(302\)/);
  });
});
