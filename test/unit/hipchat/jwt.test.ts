import assert from 'node:assert/strict';
import { createSecretKey } from 'node:crypto';
import type { Request } from 'express';
import jwt from 'jsonwebtoken';
import { describe, it } from 'node:test';
import { derivePageKey, type Installation, type InstallationCache } from '../../../lib/hipchat/installations';
import { extractToken, JwtRejected, signPageToken, verifyJwt } from '../../../lib/hipchat/jwt';

const SECRET = 's'.repeat(40);
const installation: Installation = {
  oauthId: 'oauth-1',
  oauthSecret: SECRET,
  jwtKey: createSecretKey(Buffer.from(SECRET)),
  pageKey: derivePageKey(SECRET),
  groupId: 1,
  groupName: 'Acme',
  roomId: null,
  capabilitiesUrl: 'https://api.hipchat.com/v2/capabilities',
  apiUrl: 'https://api.hipchat.com/v2/',
  tokenUrl: 'https://api.hipchat.com/v2/oauth/token',
  homepageUrl: null,
};
const cache = {
  get: async (id: string) => (id === installation.oauthId ? installation : undefined),
  reloadAfterMismatch: async () => installation,
} as unknown as InstallationCache;
const now = () => Math.floor(Date.now() / 1000);
const hipchatToken = (claims: object = {}) => jwt.sign({ iss: 'oauth-1', sub: '1', iat: now(), exp: now() + 60, ...claims }, SECRET);
const req = (url: string, authorization?: string) => ({ originalUrl: url, url, headers: authorization ? { authorization } : {} }) as unknown as Request;

describe('extractToken', () => {
  it('reads the three placements HipChat and its libraries use', () => {
    assert.equal(extractToken(req('/x?signed_request=abc')), 'abc');
    assert.equal(extractToken(req('/x', 'JWT abc')), 'abc');
    assert.equal(extractToken(req('/x', 'JWT token=abc')), 'abc');
    assert.equal(extractToken(req('/x?other=1')), undefined);
  });

  it('refuses spellings another parser could read differently', () => {
    for (const url of ['/x?%73igned_request=abc', '/x?signed_request[]=abc', '/x?signed_request[a]=abc', '/x?SIGNED_REQUEST=abc', '/x?signed_request=a&signed_request=b', '/x?signed%5Frequest=abc']) {
      assert.throws(() => extractToken(req(url)), (err: unknown) => err instanceof JwtRejected && err.status === 400, url);
    }
  });
});

describe('verifyJwt', () => {
  it('accepts HipChat\'s token, and a page token only where pages may call', async () => {
    assert.equal((await verifyJwt(hipchatToken(), cache, false)).kind, 'hipchat');
    const page = signPageToken({ installation, userId: '1', roomId: 100 });
    assert.equal((await verifyJwt(page, cache, true)).kind, 'page');
    await assert.rejects(verifyJwt(page, cache, false), /page token is not accepted here/);
  });

  it('a page token is not valid with the shared secret, and a HipChat-shaped token signed with the page key is refused', async () => {
    const page = signPageToken({ installation, userId: '1', roomId: 100 });
    assert.throws(() => jwt.verify(page, SECRET));
    // Without the page `kid`, the shared secret is used, and the page key's signature does not match.
    const withoutKid = jwt.sign({ iss: 'oauth-1', sub: '1', iat: now(), exp: now() + 60 }, installation.pageKey);
    await assert.rejects(verifyJwt(withoutKid, cache, true), /signature does not match/);
  });

  it('pins HS256 and requires exp', async () => {
    await assert.rejects(verifyJwt(jwt.sign({ iss: 'oauth-1', exp: now() + 60 }, SECRET, { algorithm: 'HS512' }), cache, false), /only HS256/);
    await assert.rejects(verifyJwt(jwt.sign({ iss: 'oauth-1' }, SECRET), cache, false), /no expiry/);
    await assert.rejects(verifyJwt(hipchatToken({ iss: 'x'.repeat(200) }), cache, false), /no issuer/);
  });

  it('refuses an issuer no oauthId could be without looking it up', async () => {
    const lookups: string[] = [];
    const counting = { get: async (id: string) => (lookups.push(id), undefined) } as unknown as InstallationCache;
    for (const iss of ['oauth-1\u0000', 'oauth 1', 'oauth-1\ud800', 'ö']) {
      await assert.rejects(verifyJwt(hipchatToken({ iss }), counting, false), /does not know/, JSON.stringify(iss));
    }
    assert.deepEqual(lookups, []);
  });
});
