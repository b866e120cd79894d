import { bodyVariants, bodyWith, BROKEN_UTF8, fieldVariants, JSON_TYPE, type Field } from './bad-bodies';
import type { Case } from './bad-input';
import { tokenVariants, type TokenKit } from './bad-tokens';
import type { Attempt } from './raw-http';

/** An endpoint that reads a JSON body, with what it takes to get past its credentials check. */
export interface JsonEndpoint {
  method: string;
  path: string;
  /** The body size it reads at most. */
  limit: number;
  /** A valid body, made afresh for each case. */
  valid: () => Record<string, unknown>;
  /** The Authorization header that passes its credentials check. */
  authorization: () => string;
  fields: Field[];
}

/** The Authorization header, or none for null. */
export const authorizationHeader = (authorization: string | string[] | null): Record<string, string | string[]> => (authorization === null ? {} : { Authorization: authorization });

export function jsonAttempt(ep: JsonEndpoint, body: string | Buffer, extra: { authorization?: string | string[] | null; query?: string; headers?: Record<string, string | string[]> } = {}): Attempt {
  const authorization = extra.authorization === undefined ? ep.authorization() : extra.authorization;
  return {
    method: ep.method,
    path: `${ep.path}${extra.query ? `${ep.path.includes('?') ? '&' : '?'}${extra.query}` : ''}`,
    headers: { ...JSON_TYPE, ...authorizationHeader(authorization), ...extra.headers },
    body,
  };
}

/** Bodies that are not JSON, not an object, too large, too deep or wrongly encoded, under valid credentials. */
/**
 * Every malformed body; `mediaType415` where the endpoint refuses a body that is not JSON, or not in a
 * charset or encoding it reads, with 415 Unsupported Media Type (the webhooks' lean reader) rather than 400.
 */
export function bodyCases(ep: JsonEndpoint, opts: { mediaType415?: boolean } = {}): Case[] {
  return bodyVariants(ep.limit, ep.valid()).map((v) => ({
    name: v.name,
    attempt: { method: ep.method, path: ep.path, headers: { ...v.headers, Authorization: ep.authorization() }, ...(v.body === undefined ? {} : { body: v.body }), ...(v.chunked ? { chunked: true } : {}) },
    expect: { refused: 'json', status: opts.mediaType415 ? [...v.status, 415] : v.status },
  }));
}

/** Each field of the valid body made wrong in every way its kind allows, the rest left valid. */
export function fieldCases(ep: JsonEndpoint, status = [400]): Case[] {
  const cases: Case[] = [];
  for (const field of ep.fields) {
    const variants = [...fieldVariants(field, ep.limit - 2000), ...(field.kind === 'text' && !field.anyText ? BROKEN_UTF8 : [])];
    for (const { name, value } of variants) {
      cases.push({ name: `${field.path.join('.')}: ${name}`, attempt: jsonAttempt(ep, bodyWith(ep.valid(), field.path, value)), expect: { refused: 'json', status } });
    }
  }
  return cases;
}

/** Forged, broken and misplaced tokens with a valid body: refused as JSON, or as an HTML page for the pages HipChat frames. */
export function tokenCases(attempt: (authorization: string | string[] | null, query: string | undefined) => Attempt, kit: TokenKit, as: 'json' | 'page' = 'json'): Case[] {
  return tokenVariants(kit).map((t) => ({
    name: t.name,
    attempt: attempt(t.authorization ?? null, t.query),
    expect: { refused: as, status: t.status, ...(t.code && as === 'json' ? { code: t.code } : {}) },
  }));
}
