import { Router, type Request } from 'express';
import { inTimeZone, isTimeZone, parseIsoDate } from '../dates';
import { ApiError } from '../errors';
import type { Installer } from '../installations';
import { senderName } from '../sender-names';
import type { HistoryEntry, World } from '../state';
import type { Views } from '../views';
import { requireScope } from './auth';
import { boolParam, intParam, page } from './paging';
import { roomFor } from './room-access';

/** "'recent' to fetch the latest 75 messages" (viascom/hipchat-api `ViewRoomHistory`, tbruyelle/hipchat-go). */
const RECENT = 75;

/**
 * `GET room/{id}/history` and `GET room/{id}/history/latest` [view_messages] (docs §5; hygieia/hygieia#248
 * shows the scope refusal). Parameters as the API reference describes them (copied into
 * viascom/hipchat-api `ViewRoomHistory` / `ViewRecentRoomHistory` and tbruyelle/hipchat-go `HistoryOptions`):
 * `date` ('recent' or the latest ISO-8601 date), `end-date` (the earliest), `reverse` (default true: oldest
 * first; false for consistent paging from the newest), `start-index` / `max-results` (not for 'recent'),
 * `timezone` (default UTC, also the zone of the answer's dates), `include_deleted` (nothing is ever deleted
 * here); latest: `max-results` (default 75) and `not-before` (a message id: nothing older is returned).
 */
export function historyRouter(world: World, views: Views, installer: Installer, apiUrl: string): Router {
  const router = Router();

  const item = (entry: HistoryEntry, timeZone: string) => {
    const date = inTimeZone(entry.item.date, timeZone);
    if (entry.kind === 'message') {
      const { item: message } = entry;
      const user = world.users.get(message.from.id);
      return {
        id: message.id,
        date,
        from: user ? views.userRef(user) : message.from,
        mentions: views.mentions(message.message),
        message: message.message,
        type: 'message',
      };
    }
    const { item: notification } = entry;
    return {
      id: notification.id,
      date,
      // Notifications carry `from` as a string (tbruyelle/hipchat-go room_test.go; docs §7).
      from: notification.from || senderName(notification.sender, world, installer),
      color: notification.color,
      message_format: notification.message_format,
      message: notification.message,
      mentions: [],
      type: 'notification',
      ...(notification.card ? { card: notification.card } : {}),
    };
  };

  router.get('/room/:room/history', requireScope('view_messages'), (req, res) => {
    const room = roomFor(world, req, res);
    const timeZone = timeZoneParam(req);
    const reverse = boolParam(req.query.reverse, true, 'reverse');
    boolParam(req.query.include_deleted, true, 'include_deleted');
    const date = typeof req.query.date === 'string' ? req.query.date : 'recent';
    const selfUrl = `${apiUrl}/room/${room.id}/history`;
    const all = room.history;
    const order = (entries: HistoryEntry[]) => (reverse ? [...entries].reverse() : entries);

    if (date === 'recent') {
      const recent = all.slice(-RECENT).reverse();
      res.json({ items: order(recent).map((entry) => item(entry, timeZone)), startIndex: 0, maxResults: RECENT, links: { self: selfUrl } });
      return;
    }
    const latest = dateParam(date, 'date', timeZone, 'end');
    const endDate = typeof req.query['end-date'] === 'string' && req.query['end-date'] !== 'null' ? dateParam(req.query['end-date'], 'end-date', timeZone, 'start') : undefined;
    const newestFirst = all
      .filter((entry) => {
        const at = Date.parse(entry.item.date);
        return at <= latest && (endDate === undefined || at >= endDate);
      })
      .reverse();
    const keep: Record<string, string> = { date, timezone: timeZone, reverse: String(reverse) };
    if (typeof req.query['end-date'] === 'string') keep['end-date'] = req.query['end-date'];
    const paged = page(req, newestFirst, selfUrl, { keep });
    res.json({ ...paged, items: order(paged.items).map((entry) => item(entry, timeZone)) });
  });

  router.get('/room/:room/history/latest', requireScope('view_messages'), (req, res) => {
    const room = roomFor(world, req, res);
    const timeZone = timeZoneParam(req);
    const maxResults = intParam(req.query['max-results'], RECENT, 'max-results', 1000);
    boolParam(req.query.include_deleted, true, 'include_deleted');
    let entries = room.history;
    const notBefore = req.query['not-before'];
    if (notBefore !== undefined) {
      const index = entries.findIndex((entry) => entry.item.id === notBefore);
      if (index < 0) throw new ApiError(400, `not-before must be the id of a message in room ${room.id}`);
      entries = entries.slice(index);
    }
    const latest = maxResults === 0 ? [] : entries.slice(-maxResults);
    res.json({ items: latest.map((entry) => item(entry, timeZone)), maxResults, links: { self: `${apiUrl}/room/${room.id}/history/latest` } });
  });

  return router;
}

function timeZoneParam(req: Request): string {
  const value = req.query.timezone;
  if (value === undefined) return 'UTC';
  if (typeof value !== 'string' || !isTimeZone(value)) throw new ApiError(400, `timezone must be a supported time zone name (tz database), not ${JSON.stringify(value)}`);
  return value;
}

function dateParam(value: string, name: string, timeZone: string, edge: 'start' | 'end'): number {
  const parsed = parseIsoDate(value, timeZone, edge);
  if (parsed === undefined) throw new ApiError(400, `${name} must be ${name === 'date' ? "'recent'" : "'null'"} or an ISO-8601 date, not ${JSON.stringify(value)}`);
  return parsed;
}
