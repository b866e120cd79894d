import { Router } from 'express';
import type { Activity } from '../activity';
import { ApiError } from '../errors';
import type { World } from '../state';
import { userIdOf } from '../tokens';
import { requireScope, tokenOf } from './auth';
import { roomFor } from './room-access';

/**
 * `POST room/{id_or_name}/message` [send_message] `{message}` (docs §5; tbruyelle/hipchat-go
 * `RoomMessageRequest`): the message is the token's user's, as if typed in the room, so room_message
 * webhooks fire. 201 `{id, timestamp}` (oswynb/hipchat-hs `SendMessageResponse`).
 */
export function roomMessageRouter(world: World, activity: Activity): Router {
  const router = Router();
  router.post('/room/:room/message', requireScope('send_message'), (req, res) => {
    const room = roomFor(world, req, res);
    const userId = userIdOf(tokenOf(res).principal);
    if (userId === undefined) {
      throw new ApiError(403, 'Only a user token (a personal access token, or a user token from the OAuth authorization flow) can send a message as a user');
    }
    if (room.is_archived) throw new ApiError(403, `Room ${room.id} is archived; messages cannot be sent to it`);
    const message = (req.body as { message?: unknown } | undefined)?.message;
    if (typeof message !== 'string' || message.length < 1 || message.length > 1000) {
      throw new ApiError(400, message === undefined ? 'message is required' : 'message must be a string of 1 to 1000 characters');
    }
    const posted = activity.postMessage(room.id, userId, message);
    res.status(201).json({ id: posted.id, timestamp: posted.date });
  });
  return router;
}
