import { Router } from 'express';
import { ApiError } from '../errors';
import type { World } from '../state';
import type { Views } from '../views';
import { requireScope } from './auth';

/** `GET user/{id_or_email_or_@mention}` [view_group] (docs §5). */
export function usersRouter(world: World, views: Views): Router {
  const router = Router();
  router.get('/user/:user', requireScope('view_group'), (req, res) => {
    const ref = String(req.params.user);
    const user = world.findUser(ref);
    if (!user) throw new ApiError(404, `User ${ref} not found`);
    res.json(views.user(user));
  });
  return router;
}
