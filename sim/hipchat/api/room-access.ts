import type { Request, Response } from 'express';
import { ApiError } from '../errors';
import type { Room, World } from '../state';
import { userIdOf } from '../tokens';
import { tokenOf } from './auth';

export function param(req: Request, name: string): string {
  return String(req.params[name] ?? '');
}

/** `{room_id_or_name}`, and refused unless the token may act on that room. */
export function roomFor(world: World, req: Request, res: Response): Room {
  const room = world.findRoom(param(req, 'room'));
  if (!room) throw new ApiError(404, `Room ${param(req, 'room')} not found`);
  assertTokenCoversRoom(res, room);
  return room;
}

/**
 * Room installations and room notification tokens act only on their own room; a user's token does not
 * reach into a private room the user is not a member of.
 */
function assertTokenCoversRoom(res: Response, room: Room): void {
  const token = tokenOf(res);
  if (token.roomId !== undefined && token.roomId !== room.id) {
    throw new ApiError(403, `This token is limited to room ${token.roomId} and cannot be used for room ${room.id}`);
  }
  const userId = userIdOf(token.principal);
  if (userId !== undefined && room.privacy === 'private' && !room.members.has(userId)) {
    throw new ApiError(403, `You are not a member of the private room ${room.id}`);
  }
}
