import { Router, type Request, type Response } from 'express';
import { ApiError } from '../errors';
import type { Faults } from '../faults';
import type { WindowCounter } from '../limits';
import { parseNotification, type Notifier } from '../notifications';
import type { Room, World } from '../state';
import type { Views } from '../views';
import { requireScope, tokenOf } from './auth';
import { page } from './paging';

export interface RoomDeps {
  world: World;
  views: Views;
  notifier: Notifier;
  faults: Faults;
  floodControl: WindowCounter;
  apiUrl: string;
}

/** `room/{id_or_name}` resources used by add-ons (docs §5). */
export function roomsRouter({ world, views, notifier, faults, floodControl, apiUrl }: RoomDeps): Router {
  const router = Router();

  router.get('/room/:room', requireScope('view_group', 'view_room'), (req, res) => {
    res.json(views.room(findRoom(world, req)));
  });

  router.get('/room/:room/participant', requireScope('view_group', 'view_room'), (req, res) => {
    const room = findRoom(world, req);
    res.json(page(req, views.users(room.participants), `${apiUrl}/room/${room.id}/participant`));
  });

  router.get('/room/:room/member', requireScope('view_group', 'view_room'), (req, res) => {
    const room = findRoom(world, req);
    res.json(page(req, views.users(room.members), `${apiUrl}/room/${room.id}/member`));
  });

  router.post('/room/:room/notification', requireScope('send_notification'), (req, res) => {
    const room = findRoom(world, req);
    assertTokenCoversRoom(res, room);
    if (room.is_archived) throw new ApiError(403, `Room ${room.id} is archived; notifications cannot be sent to it`);
    const parsed = parseNotification(notificationBody(req));
    if (!parsed.ok) throw new ApiError(400, parsed.message);
    if (faults.floodControl) {
      const window = floodControl.hit(String(room.id));
      res.set({
        'X-FloodControl-Limit': String(window.limit),
        'X-FloodControl-Remaining': String(window.remaining),
        'X-FloodControl-Reset': String(window.reset),
      });
      if (!window.allowed) {
        throw new ApiError(429, `Flood control: at most ${window.limit} messages per minute may be sent to room ${room.id}`);
      }
    }
    notifier.post(room, tokenOf(res).oauthId, parsed.value);
    res.status(204).end();
  });

  router.post('/room/:room/invite/:user', requireScope('admin_room'), (req, res) => {
    const room = findRoom(world, req);
    assertTokenCoversRoom(res, room);
    const user = world.findUser(param(req, 'user'));
    if (!user) throw new ApiError(404, `User ${param(req, 'user')} not found`);
    const reason = (req.body as { reason?: unknown } | undefined)?.reason;
    if (reason !== undefined && (typeof reason !== 'string' || reason.length > 250)) {
      throw new ApiError(400, 'reason must be a string of at most 250 characters');
    }
    room.members.add(user.id);
    res.status(204).end();
  });

  return router;
}

function param(req: Request, name: string): string {
  return String(req.params[name] ?? '');
}

function findRoom(world: World, req: Request): Room {
  const room = world.findRoom(param(req, 'room'));
  if (!room) throw new ApiError(404, `Room ${param(req, 'room')} not found`);
  return room;
}

/** A room installation's token acts only on its own room. */
function assertTokenCoversRoom(res: Response, room: Room): void {
  const { roomId } = tokenOf(res);
  if (roomId !== undefined && roomId !== room.id) {
    throw new ApiError(403, `This token belongs to an add-on installed in room ${roomId} and cannot be used for room ${room.id}`);
  }
}

/** JSON and form bodies as they are; a text/plain or text/html body is the message itself. */
function notificationBody(req: Request): unknown {
  if (typeof req.body === 'string') {
    return { message: req.body, message_format: req.is('text/html') ? 'html' : 'text' };
  }
  return req.body;
}
