import type { Installation } from '../installations';
import type { Room, User, World } from '../state';
import { UiError } from './errors';

/** Archive, unarchive and delete: the room's owner or a group admin. */
export function mayAdminister(room: Room, user: User): boolean {
  return user.is_group_admin || room.ownerId === user.id;
}

/** Installing and uninstalling integrations: group admins only. */
export function mayInstall(user: User): boolean {
  return user.is_group_admin;
}

/**
 * The configure tab: group admins, and for a room installation whose descriptor sets
 * `configurable.allowAccessToRoomAdmins`, that room's owner too (docs §1).
 */
export function mayConfigure(installation: Installation, user: User, world: World): boolean {
  if (user.is_group_admin) return true;
  if (installation.roomId === undefined || installation.descriptor.capabilities?.configurable?.allowAccessToRoomAdmins !== true) return false;
  return world.rooms.get(installation.roomId)?.ownerId === user.id;
}

/** The room, if the user may look into it. */
export function visibleRoom(world: World, id: unknown, user: User): Room {
  const room = typeof id === 'string' && /^\d+$/.test(id) ? world.rooms.get(Number(id)) : undefined;
  if (!room) throw new UiError(404, `There is no room ${String(id)}`);
  if (room.privacy === 'private' && !room.members.has(user.id)) throw new UiError(403, `You are not a member of ${room.name}`);
  return room;
}
