import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * An alert source's intake secret: 256 random bits, base64url. The tools send it as a header
 * (`Authorization: Bearer …`, which Sumo Logic's Authorization Header field and Soda Cloud's headers
 * take, docs/alerts.md §1.3, §3.3), as the password of Basic authentication (Splunk On-Call's
 * `https://user:password@…` URLs, §2.4), or as the last part of the intake URL itself, for tools that can
 * only be given a URL (§2.3, and HipChat-style URLs that carry their token, seed 000).
 */
export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** What the check compares: the secret's SHA-256, so the compare takes the same time whatever was sent. */
export function secretDigest(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

export function secretMatches(presented: string, digest: Buffer): boolean {
  return timingSafeEqual(secretDigest(presented), digest);
}

/** The secret a request presents: in the path, else `Bearer <secret>`, else the password of Basic credentials. */
export function presentedSecret(pathSecret: string | undefined, authorization: string | undefined): string | undefined {
  if (pathSecret !== undefined) return pathSecret;
  const header = (authorization ?? '').trim();
  const bearer = /^Bearer\s+(\S{1,200})$/i.exec(header);
  if (bearer) return bearer[1];
  const basic = /^Basic\s+([A-Za-z0-9+/=]{1,400})$/i.exec(header);
  if (!basic) return undefined;
  const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : decoded.slice(colon + 1);
}
