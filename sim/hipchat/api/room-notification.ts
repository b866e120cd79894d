import { Router, type Request } from 'express';
import { ApiError } from '../errors';
import type { Faults } from '../faults';
import type { WindowCounter } from '../limits';
import { parseNotification, type Notifier } from '../notifications';
import type { RoomIntegrations } from '../room-integrations';
import type { World } from '../state';
import { requireScope, tokenOf } from './auth';
import { roomFor } from './room-access';
import { senderOf } from './sender';

export interface NotificationDeps {
  world: World;
  notifier: Notifier;
  faults: Faults;
  floodControl: WindowCounter;
  integrations: RoomIntegrations;
}

/** `POST room/{id_or_name}/notification` [send_notification] (docs §5): 204, flood control per room. */
export function roomNotificationRouter({ world, notifier, faults, floodControl, integrations }: NotificationDeps): Router {
  const router = Router();
  router.post('/room/:room/notification', requireScope('send_notification'), (req, res) => {
    const room = roomFor(world, req, res);
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
    notifier.post(room, senderOf(tokenOf(res).principal, integrations), parsed.value);
    res.status(204).end();
  });
  return router;
}

/** JSON and form bodies as they are; a text/plain or text/html body is the message itself. */
function notificationBody(req: Request): unknown {
  if (typeof req.body === 'string') {
    return { message: req.body, message_format: req.is('text/html') ? 'html' : 'text' };
  }
  return req.body;
}
