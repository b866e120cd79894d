import type { Request } from 'express';
import { ApiError } from '../errors';

/** HipChat's list envelope: `start-index` / `max-results` in, `{items, startIndex, maxResults, links}` out (docs §5). */
export function page<T>(req: Request, all: T[], selfUrl: string) {
  const startIndex = intParam(req.query['start-index'], 0, 'start-index', Number.MAX_SAFE_INTEGER);
  const maxResults = intParam(req.query['max-results'], 100, 'max-results', 1000);
  const link = (start: number) => `${selfUrl}?start-index=${start}&max-results=${maxResults}`;
  const links: { self: string; prev?: string; next?: string } = { self: selfUrl };
  if (startIndex > 0) links.prev = link(Math.max(0, startIndex - maxResults));
  if (startIndex + maxResults < all.length) links.next = link(startIndex + maxResults);
  return { items: all.slice(startIndex, startIndex + maxResults), startIndex, maxResults, links };
}

function intParam(value: unknown, fallback: number, name: string, max: number): number {
  if (value === undefined) return fallback;
  const number = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(number) || number > max) throw new ApiError(400, `${name} must be an integer between 0 and ${max}`);
  return number;
}
