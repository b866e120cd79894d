import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { gzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { alertPayload, alertRows, createSource, sourceBody, type CreatedSource } from '../helpers/alerts';
import { installAndConfigure, startWorld, type World } from '../helpers/world';

// Every refusal of the intake: the right status, a sentence saying what to do, and nothing stored, queued
// or posted. The secret is checked before the body is read.

const OPS = 100;
let world: World;
let roomInstall: string;
let hipchat: CreatedSource;
let soda: CreatedSource;
let json: CreatedSource;

before(async () => {
  world = await startWorld({ worker: { pollMs: 50 } });
  roomInstall = (await installAndConfigure(world, OPS)).oauthId;
  hipchat = await createSource(world, roomInstall, sourceBody({ name: 'CI', kind: 'hipchat' }), OPS);
  soda = await createSource(world, roomInstall, sourceBody({ name: 'Soda', kind: 'soda' }), OPS);
  json = await createSource(world, roomInstall, sourceBody({ name: 'JSON', kind: 'json', template: { message: '{{message}}' } }), OPS);
});
after(() => world.close());

const app = () => world.addon.addon.app;

/** Runs `send`, checks its refusal, and that the database and the room are as they were. */
async function refused(send: () => Promise<request.Response> | request.Test, status: number, code: string, message: RegExp) {
  const rows = await alertRows(world);
  const posted = world.hipchat.notifications(OPS).length;
  const res = await send();
  assert.equal(res.status, status, res.text);
  assert.equal(res.body.error?.code, code, res.text);
  assert.match(res.body.error.message, message);
  assert.equal(res.headers['cache-control'], 'no-store');
  assert.deepEqual(await alertRows(world), rows, 'nothing was stored or queued');
  assert.equal(world.hipchat.notifications(OPS).length, posted, 'nothing was posted');
  return res;
}

const unauthorized = /^Wrong or missing alert source secret: send it as "Authorization: Bearer <secret>", as the password of Basic authentication, or at the end of the intake URL\.$/;

describe('secrets', () => {
  test('a wrong or missing secret is 401, in each of the three places a secret can be', async () => {
    const body = { message: 'Disk full' };
    const wrong = `${hipchat.secret.slice(0, -1)}${hipchat.secret.endsWith('A') ? 'B' : 'A'}`;
    const res = await refused(() => request(app()).post(hipchat.path).send(body), 401, 'unauthorized', unauthorized);
    assert.equal(res.headers['www-authenticate'], 'Bearer realm="alerts"');
    await refused(() => request(app()).post(hipchat.path).set('Authorization', `Bearer ${wrong}`).send(body), 401, 'unauthorized', unauthorized);
    await refused(() => request(app()).post(hipchat.path).auth('alerts', wrong).send(body), 401, 'unauthorized', unauthorized);
    await refused(() => request(app()).post(`${hipchat.path}/${wrong}`).send(body), 401, 'unauthorized', unauthorized);
    await refused(() => request(app()).post(hipchat.path).set('Authorization', `JWT ${hipchat.secret}`).send(body), 401, 'unauthorized', unauthorized);
    // A secret in the path wins over a right one in a header: the URL is what the admin pasted.
    await refused(() => request(app()).post(`${hipchat.path}/${wrong}`).set('Authorization', `Bearer ${hipchat.secret}`).send(body), 401, 'unauthorized', unauthorized);
  });

  test("one source's secret does not open another", async () => {
    await refused(() => request(app()).post(`${soda.path}/${hipchat.secret}`).send(alertPayload('soda-cloud/validate.json')), 401, 'unauthorized', unauthorized);
  });

  test('an unknown source is 404, whether its id is well formed or not', async () => {
    const notFound = /^No alert source has this URL\. Copy the intake URL again/;
    await refused(() => request(app()).post(`/alerts/${crypto.randomUUID()}/${hipchat.secret}`).send({ message: 'x' }), 404, 'unknown_source', notFound);
    await refused(() => request(app()).post('/alerts/not-a-source').set('Authorization', `Bearer ${hipchat.secret}`).send({ message: 'x' }), 404, 'unknown_source', notFound);
    await refused(() => request(app()).post(`/alerts/${hipchat.id.toUpperCase()}/${hipchat.secret}`).send({ message: 'x' }), 404, 'unknown_source', notFound);
  });

  test('the secret is checked before the body is read: a refusal comes while the body is still on its way', async () => {
    const { port } = new URL(world.addon.baseUrl);
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: hipchat.path, headers: { 'Content-Type': 'application/json', 'Content-Length': '200000', Authorization: 'Bearer wrong' } }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      // Only the first bytes of the promised 200000 are ever sent.
      req.write('{"message": "');
    });
    assert.equal(answer.status, 401);
    assert.match(answer.body, /Wrong or missing alert source secret/);
  });

  test('refused secrets are never written to the log', async () => {
    const attempted = 'Zm9yZ2VkLXNlY3JldC10aGF0LW11c3Qtbm90LWxlYWs';
    await refused(() => request(app()).post(`${hipchat.path}/${attempted}`).send({ message: 'x' }), 401, 'unauthorized', unauthorized);
    await refused(() => request(app()).post(hipchat.path).set('Authorization', `Bearer ${attempted}`).send({ message: 'x' }), 401, 'unauthorized', unauthorized);
    assert.ok(!world.addon.logs.some((line) => line.includes(attempted)), 'a refused secret is in the log');
    assert.ok(world.addon.logs.some((line) => line.includes(`${hipchat.path}/[Redacted]`)), 'the request is logged with its secret redacted');
  });
});

describe('bodies', () => {
  const send = (source: CreatedSource, type: string, body: string | Buffer) => request(app()).post(source.pathWithSecret).set('Content-Type', type).send(body);

  test('a body over the limit is 413', async () => {
    const huge = JSON.stringify({ message: 'x'.repeat(300 * 1024) });
    await refused(() => send(json, 'application/json', huge), 413, 'too_large', /^The alert is larger than 256 kB; nothing was stored\.$/);
    // The same without a Content-Length: the limit holds while the body streams in.
    await refused(
      () =>
        new Promise<request.Response>((resolve, reject) => {
          const req = request(app()).post(json.pathWithSecret).set('Content-Type', 'application/json').set('Transfer-Encoding', 'chunked');
          req.write(huge.slice(0, 200_000));
          req.write(huge.slice(200_000));
          req.end((err, res) => (err ? reject(err) : resolve(res)));
        }),
      413,
      'too_large',
      /larger than 256 kB/,
    );
  });

  test('malformed JSON is 400 with a sentence', async () => {
    await refused(() => send(json, 'application/json', '{"message": "Disk full",}'), 400, 'invalid_json', /^The body is not valid JSON \(.+\)\. Send the alert as a JSON object\.$/);
    await refused(() => send(soda, 'application/json', '{"event": "checkEvaluation"'), 400, 'invalid_json', /not valid JSON/);
    await refused(() => send(hipchat, 'application/json', 'message=x'), 400, 'invalid_json', /not valid JSON/);
  });

  test("bodies that are not what the source's kind takes are 400, saying what it takes", async () => {
    await refused(() => send(hipchat, 'application/json', '{"text": "Disk full"}'), 400, 'invalid_notification', /^Not a HipChat notification: message is required\.$/);
    await refused(() => send(hipchat, 'application/json', JSON.stringify({ message: 'x', color: 'blue' })), 400, 'invalid_notification', /color must be one of: yellow, green, red, purple, gray, random/);
    await refused(() => send(soda, 'application/json', JSON.stringify({ message: 'hello' })), 400, 'invalid_soda_event', /the body has no "event" field/);
    await refused(() => send(json, 'application/json', '"just text"'), 400, 'invalid_alert', /must be a JSON object/);
    await refused(() => send(json, 'application/json', '  '), 400, 'empty_body', /no body/);
    await refused(() => send(json, 'multipart/form-data; boundary=x', '--x--'), 415, 'unsupported_media_type', /Multipart/);
    await refused(() => send(json, 'application/json; charset=utf-16', Buffer.from('{}', 'utf16le')), 415, 'unsupported_charset', /UTF-8/);
  });

  test('a body nested too deep, or that does not match its Content-Encoding, is 400', async () => {
    for (const source of [json, hipchat, soda]) {
      await refused(() => send(source, 'application/json', `{"event":"validate","message":"x","a":${'['.repeat(10_000)}${']'.repeat(10_000)}}`), 400, 'too_deep', /more than 64 levels deep/);
    }
    await refused(() => request(app()).post(json.pathWithSecret).set('Content-Type', 'application/json').set('Content-Encoding', 'gzip').send('{"message": "not gzip"}'), 400, 'invalid_encoding', /not valid for its Content-Encoding/);
  });

  test('a gzip bomb is stopped at the limit as it inflates', async () => {
    const bomb = gzipSync(Buffer.alloc(20 * 1024 * 1024, ' '));
    await refused(
      () =>
        new Promise<request.Response>((resolve, reject) =>
          request(app()).post(json.pathWithSecret).set('Content-Type', 'application/json').set('Content-Encoding', 'gzip').serialize((body: Buffer) => body as unknown as string).send(bomb).end((err, res) => (err && !res ? reject(err) : resolve(res))),
        ),
      413,
      'too_large',
      /larger than 256 kB/,
    );
  });

  test('alerts are sent with POST', async () => {
    const res = await refused(() => request(app()).get(hipchat.pathWithSecret), 405, 'method_not_allowed', /^Alerts are sent with POST\.$/);
    assert.equal(res.headers.allow, 'POST');
  });
});

test('a source whose installation is gone takes no more alerts, and goes with it when it is purged', async () => {
  const gone = await startWorld({ startWorker: false }, { HIPCHAT_REVOKED_GRACE_SECONDS: '0' });
  try {
    const oauthId = (await installAndConfigure(gone, OPS)).oauthId;
    const source = await createSource(gone, oauthId, sourceBody({ name: 'Gone soon', kind: 'hipchat' }), OPS);
    const post = (message: string) => request(gone.addon.addon.app).post(source.pathWithSecret).send({ message });
    assert.equal((await post('before')).status, 200);
    const uninstalled = await gone.hipchat.uninstall(oauthId);
    assert.equal(uninstalled.status, 204, uninstalled.body);
    const db = gone.addon.addon.db;
    const alerts = Number((await db('alerts').count({ n: '*' }).first())!.n);
    const res = await post('after');
    assert.equal(res.status, 404, res.text);
    assert.equal(res.body.error.code, 'unknown_source');
    assert.equal(Number((await db('alerts').count({ n: '*' }).first())!.n), alerts, 'nothing stored');
    await gone.addon.addon.revocation.sweep();
    assert.equal(await db('alert_sources').where({ id: source.id }).first(), undefined, 'the source went with its installation');
    assert.equal((await db('alerts').where({ source_id: source.id })).length, 0);
    assert.equal((await db('alert_windows').where({ source_id: source.id })).length, 0);
  } finally {
    await gone.close();
  }
});

test('refused secrets count against the per-address limit; a right secret is never limited', async () => {
  const limited = await startWorld({ startWorker: false }, { UNAUTHENTICATED_REQUESTS_PER_MINUTE: '3' });
  try {
    const oauthId = (await installAndConfigure(limited, OPS)).oauthId;
    const source = await createSource(limited, oauthId, sourceBody({ name: 'CI', kind: 'hipchat', dedupeMinutes: 0 }), OPS);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await request(limited.addon.addon.app).post(`/alerts/${crypto.randomUUID()}`).send({ message: 'x' })).status);
    statuses.push((await request(limited.addon.addon.app).post(source.path).set('Authorization', 'Bearer wrong').send({ message: 'x' })).status);
    assert.deepEqual(statuses, [404, 404, 404, 429, 429, 429]);
    const last = await request(limited.addon.addon.app).post(source.path).send({ message: 'x' });
    assert.equal(last.status, 429);
    assert.match(last.body.error.message, /Too many requests with refused credentials from this address/);
    assert.ok(Number(last.headers['retry-after']) > 0);
    for (let i = 0; i < 5; i++) assert.equal((await request(limited.addon.addon.app).post(source.pathWithSecret).send({ message: `ok ${i}` })).status, 200);
  } finally {
    await limited.close();
  }
});
