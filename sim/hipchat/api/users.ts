import { Router } from 'express';
import { ApiError } from '../errors';
import type { World } from '../state';
import type { Views } from '../views';
import { requireScope } from './auth';
import { boolParam, page } from './paging';

/**
 * `GET user` [view_group]: the group's users, without guests and deleted users unless
 * `include-guests` / `include-deleted` (tbruyelle/hipchat-go `UserListOptions`, viascom/hipchat-api
 * `GetAllUsers`, both false by default); `GET user/{id_or_email_or_@mention}` [view_group] (docs §5).
 */
export function usersRouter(world: World, views: Views, apiUrl: string): Router {
  const router = Router();
  router.get('/user', requireScope('view_group'), (req, res) => {
    const guests = boolParam(req.query['include-guests'], false, 'include-guests');
    const deleted = boolParam(req.query['include-deleted'], false, 'include-deleted');
    const users = [...world.users.values()].filter((user) => (guests || !user.is_guest) && (deleted || !user.is_deleted));
    const keep: Record<string, string> = {};
    if (guests) keep['include-guests'] = 'true';
    if (deleted) keep['include-deleted'] = 'true';
    res.json(page(req, users.map((user) => views.userRef(user)), `${apiUrl}/user`, { keep }));
  });
  router.get('/user/:user', requireScope('view_group'), (req, res) => {
    const ref = String(req.params.user);
    const user = world.findUser(ref);
    if (!user) throw new ApiError(404, `User ${ref} not found`);
    res.json(views.user(user));
  });
  return router;
}
