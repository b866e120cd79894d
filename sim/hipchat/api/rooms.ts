import { Router } from 'express';
import { ApiError } from '../errors';
import type { World } from '../state';
import type { Views } from '../views';
import { userIdOf } from '../tokens';
import { requireScope, tokenOf } from './auth';
import { boolParam, page } from './paging';
import { param, roomFor } from './room-access';

/** `room/{id_or_name}` resources used by add-ons (docs §5). */
export function roomsRouter(world: World, views: Views, apiUrl: string): Router {
  const router = Router();

  /**
   * `GET room` [view_group]: `include-private` defaults to true and `include-archived` to false
   * (tbruyelle/hipchat-go `RoomsListOptions`; oswynb/hipchat-hs `GetAllRooms`). A user's token does not
   * list private rooms the user is not a member of; a room installation's token lists only its room.
   */
  router.get('/room', requireScope('view_group'), (req, res) => {
    const includePrivate = boolParam(req.query['include-private'], true, 'include-private');
    const includeArchived = boolParam(req.query['include-archived'], false, 'include-archived');
    const token = tokenOf(res);
    const userId = userIdOf(token.principal);
    const rooms = [...world.rooms.values()].filter(
      (room) =>
        (token.roomId === undefined || token.roomId === room.id) &&
        (includeArchived || !room.is_archived) &&
        (room.privacy === 'public' || (includePrivate && (userId === undefined || room.members.has(userId)))),
    );
    const keep: Record<string, string> = {};
    if (!includePrivate) keep['include-private'] = 'false';
    if (includeArchived) keep['include-archived'] = 'true';
    res.json(page(req, rooms.map((room) => views.roomRef(room)), `${apiUrl}/room`, { keep }));
  });

  router.get('/room/:room', requireScope('view_group', 'view_room'), (req, res) => {
    res.json(views.room(roomFor(world, req, res)));
  });

  router.get('/room/:room/participant', requireScope('view_group', 'view_room'), (req, res) => {
    const room = roomFor(world, req, res);
    res.json(page(req, views.users(room.participants), `${apiUrl}/room/${room.id}/participant`));
  });

  router.get('/room/:room/member', requireScope('view_group', 'view_room'), (req, res) => {
    const room = roomFor(world, req, res);
    res.json(page(req, views.users(room.members), `${apiUrl}/room/${room.id}/member`));
  });

  router.post('/room/:room/invite/:user', requireScope('admin_room'), (req, res) => {
    const room = roomFor(world, req, res);
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
