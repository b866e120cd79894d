import { createHmac } from 'node:crypto';

/** Forged, broken and misplaced JWTs for an endpoint that needs one. */

export interface TokenKit {
  oauthId: string;
  /** The installation's oauthSecret (what HipChat signs with). */
  secret: string;
  /** The user and room a genuine token for this request names. */
  userId: number;
  roomId: number | undefined;
  /** A genuine HipChat JWT for the request (from the simulator). */
  hipchat: string;
  /** A token the add-on gave one of its pages. */
  page: string;
  /** Whether the endpoint takes page tokens (the pages' own calls) or only HipChat's JWT. */
  acceptsPage: boolean;
  /** A room installation and a genuine token of it naming another room, when there is one. */
  otherRoom?: string;
}

export interface TokenVariant {
  name: string;
  /** Replaces the Authorization header (undefined: none). */
  authorization?: string | string[];
  /** Appended to the path's query. */
  query?: string;
  status: number[];
  code?: string;
}

const now = () => Math.floor(Date.now() / 1000);

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A JWT with any header and claims, HMAC-signed by hand so that no library refuses to write what HipChat never would. */
function sign(header: Record<string, unknown>, claims: Record<string, unknown>, secret: string, hash = 'sha256'): string {
  const input = `${b64(header)}.${b64(claims)}`;
  return `${input}.${createHmac(hash, secret).update(input).digest('base64url')}`;
}

/** A JWT signed as HipChat would, with the claims changed (undefined removes one). */
function forge(kit: TokenKit, claims: Record<string, unknown>, secret = kit.secret, header: Record<string, unknown> = {}): string {
  const base = { iss: kit.oauthId, sub: String(kit.userId), iat: now(), exp: now() + 300, context: { ...(kit.roomId === undefined ? {} : { room_id: kit.roomId }), user_tz: 'UTC' } };
  return sign({ alg: 'HS256', typ: 'JWT', ...header }, { ...base, ...claims }, secret);
}

export function tokenVariants(kit: TokenKit): TokenVariant[] {
  const refused = (name: string, authorization?: string | string[], code = 'invalid_jwt'): TokenVariant => ({ name, authorization, status: [401], code });
  const misplaced = (name: string, query: string): TokenVariant => ({ name, query, status: [400], code: 'invalid_token_placement' });
  const [head, payload] = kit.hipchat.split('.');
  const variants: TokenVariant[] = [
    refused('no token'),
    refused('Authorization: JWT with nothing after it', 'JWT'),
    refused('Authorization: JWT token= with nothing after it', 'JWT token='),
    refused('a token that is not a JWT', 'JWT not-a-token'),
    refused('three empty segments', 'JWT ..'),
    refused('Bearer instead of JWT', `Bearer ${kit.hipchat}`),
    refused('Basic credentials', `Basic ${Buffer.from('admin:admin').toString('base64')}`),
    refused('two tokens in one header', `JWT ${kit.hipchat} ${kit.hipchat}`),
    refused('a 12 KB token', `JWT ${'a'.repeat(6000)}.${'b'.repeat(6000)}.c`),
    refused('alg none', `JWT ${b64({ alg: 'none', typ: 'JWT' })}.${payload}.`),
    refused('alg HS512', `JWT ${sign({ alg: 'HS512', typ: 'JWT' }, { iss: kit.oauthId, sub: String(kit.userId), exp: now() + 300 }, kit.secret, 'sha512')}`),
    refused('alg RS256 in the header, HS256 signature', `JWT ${b64({ alg: 'RS256', typ: 'JWT' })}.${payload}.${kit.hipchat.split('.')[2]}`),
    refused('the signature of another token', `JWT ${head}.${b64({ iss: kit.oauthId, sub: '1', exp: now() + 300 })}.${kit.hipchat.split('.')[2]}`),
    refused('signed with another secret', `JWT ${forge(kit, {}, 'not-the-secret')}`),
    refused('an unknown issuer', `JWT ${forge(kit, { iss: 'no-such-installation' })}`),
    refused('no issuer', `JWT ${forge(kit, { iss: undefined })}`),
    refused('an issuer of 200 characters', `JWT ${forge(kit, { iss: 'i'.repeat(200) })}`),
    refused('a numeric issuer', `JWT ${forge(kit, { iss: 12345 })}`),
    refused('an issuer with a NUL', `JWT ${forge(kit, { iss: `${kit.oauthId}\u0000` })}`),
    refused('expired ten minutes ago', `JWT ${forge(kit, { iat: now() - 1200, exp: now() - 600 })}`),
    refused('no expiry', `JWT ${forge(kit, { exp: undefined })}`),
    refused('an expiry as text', `JWT ${forge(kit, { exp: 'tomorrow' })}`),
    refused('issued an hour in the future', `JWT ${forge(kit, { iat: now() + 3600 })}`),
    refused('not valid before an hour from now', `JWT ${forge(kit, { nbf: now() + 3600 })}`),
    refused("HipChat's secret with the page tokens' key id", `JWT ${forge(kit, {}, kit.secret, { kid: 'addon-page' })}`),
    refused('duplicate Authorization headers, the first one broken', ['JWT not-a-token', `JWT ${kit.hipchat}`]),
    misplaced('?%73igned_request=', `%73igned_request=${kit.hipchat}`),
    misplaced('?signed%5Frequest=', `signed%5Frequest=${kit.hipchat}`),
    misplaced('?signed_request[]=', `signed_request[]=${kit.hipchat}`),
    misplaced('?signed_request[a]=', `signed_request[a]=${kit.hipchat}`),
    misplaced('?Signed_Request=', `Signed_Request=${kit.hipchat}`),
    misplaced('?signed_request= twice', `signed_request=${kit.hipchat}&signed_request=${kit.hipchat}`),
    misplaced('?signed_request%00=', `signed_request%00=${kit.hipchat}`),
    misplaced('?+signed_request=', `+signed_request=${kit.hipchat}`),
    { name: '?signed_request= with a broken token', query: 'signed_request=not-a-token', status: [401], code: 'invalid_jwt' },
    { name: '?signed_request= with a broken percent escape', query: 'signed_request=%E0%A4%A', status: [401], code: 'invalid_jwt' },
  ];
  if (!kit.acceptsPage) {
    variants.push(
      refused('a page token where only HipChat signs', `JWT ${kit.page}`),
      { name: 'a page token sent back as ?signed_request=', query: `signed_request=${kit.page}`, status: [401], code: 'invalid_jwt' },
      refused('duplicate Authorization headers, a page token first', [`JWT ${kit.page}`, `JWT ${kit.hipchat}`]),
    );
  }
  if (kit.otherRoom) variants.push({ name: "a room installation's token naming another room", authorization: `JWT ${kit.otherRoom}`, status: [403], code: 'wrong_room' });
  return variants;
}
