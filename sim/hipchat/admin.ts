import { Router } from 'express';
import { sendError } from './errors';
import { faultsPatchSchema, type Faults } from './faults';
import type { World } from './state';

/** `/_sim`: fault switches and room contents for tests that run the simulator in another process. */
export function adminRouter(world: World, faults: Faults): Router {
  const router = Router();
  router.get('/faults', (_req, res) => {
    res.json(faults.snapshot());
  });
  router.post('/faults', (req, res) => {
    const patch = faultsPatchSchema.safeParse(req.body ?? {});
    if (!patch.success) {
      sendError(res, 400, patch.error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`).join('; '));
      return;
    }
    faults.apply(patch.data);
    res.json(faults.snapshot());
  });
  router.get('/rooms/:id/notifications', (req, res) => {
    const room = world.findRoom(req.params.id);
    if (!room) {
      sendError(res, 404, `Room ${req.params.id} not found`);
      return;
    }
    res.json(room.notifications);
  });
  return router;
}
