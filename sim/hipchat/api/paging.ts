import type { Request } from 'express';
import { ApiError } from '../errors';

export interface PageOptions {
  /** Query parameters carried into `links.next` and `links.prev` (filters such as `include-private`). */
  keep?: Record<string, string>;
  /** `max-results` when none is given (100 for most lists). */
  defaultMax?: number;
}

/**
 * HipChat's list envelope: `start-index` / `max-results` (0–1000) in, `{items, startIndex, maxResults,
 * links{self, prev?, next?}}` out (docs §5; tbruyelle/hipchat-go `PageLinks`). `links.next` is present
 * only while there is more, which is how HypChat's `Collection.contents()` knows when to stop.
 */
export function page<T>(req: Request, all: T[], selfUrl: string, opts: PageOptions = {}) {
  const startIndex = intParam(req.query['start-index'], 0, 'start-index', Number.MAX_SAFE_INTEGER);
  const maxResults = intParam(req.query['max-results'], opts.defaultMax ?? 100, 'max-results', 1000);
  const link = (start: number) => {
    const url = new URL(selfUrl);
    for (const [name, value] of Object.entries(opts.keep ?? {})) url.searchParams.set(name, value);
    url.searchParams.set('start-index', String(start));
    url.searchParams.set('max-results', String(maxResults));
    return url.toString();
  };
  const links: { self: string; prev?: string; next?: string } = { self: selfUrl };
  if (startIndex > 0) links.prev = link(Math.max(0, startIndex - maxResults));
  if (maxResults > 0 && startIndex + maxResults < all.length) links.next = link(startIndex + maxResults);
  return { items: all.slice(startIndex, startIndex + maxResults), startIndex, maxResults, links };
}

export function intParam(value: unknown, fallback: number, name: string, max: number): number {
  if (value === undefined) return fallback;
  const number = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(number) || number > max) throw new ApiError(400, `${name} must be an integer between 0 and ${max}`);
  return number;
}

/** `true` / `false` query flags (any case, as Python clients send `True`; also 1 / 0); anything else is refused. */
export function boolParam(value: unknown, fallback: boolean, name: string): boolean {
  if (value === undefined) return fallback;
  if (typeof value === 'string' && /^(true|1)$/i.test(value)) return true;
  if (typeof value === 'string' && /^(false|0)$/i.test(value)) return false;
  throw new ApiError(400, `${name} must be true or false`);
}
