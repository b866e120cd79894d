import type { HipChatRoom } from './client';
import type { HipChatContext } from './jwt';

export interface ConfigureAccess {
  /** The acting user when they may change the add-on's settings. */
  editor: { id: string; name: string } | null;
  /** Who may change them, as a sentence. */
  rule: string;
  /** The installation's room (room installations only). */
  room: HipChatRoom | undefined;
}

/**
 * Asks HipChat, besides HipChat's own gating: a group admin may change the settings, and for a room
 * installation also the room's owner. HipChat errors propagate (HipChatApiError): nothing is guessed.
 */
export async function configureAccess(context: HipChatContext): Promise<ConfigureAccess> {
  const { installation, userId, client } = context;
  const [user, room] = await Promise.all([
    userId === undefined ? undefined : client.getUser(userId),
    installation.roomId === null ? undefined : client.getRoom(installation.roomId),
  ]);
  const isOwner = room?.owner != null && userId !== undefined && String(room.owner.id) === userId;
  const allowed = user !== undefined && (user.is_group_admin === true || isOwner);
  const rule =
    installation.roomId === null
      ? 'Only a HipChat group admin can change these settings.'
      : `Only a HipChat group admin or the room owner can change these settings (ask ${room?.owner?.name ?? 'a group admin'}).`;
  return { editor: allowed ? { id: String(user.id), name: user.name } : null, rule, room };
}
