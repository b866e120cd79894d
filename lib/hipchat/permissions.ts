import { AddonError } from '../errors';
import type { HipChatRoom } from './client';
import { HipChatApiError } from './errors';
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

/**
 * The acting user when they may change the add-on's settings (`what`: "these settings", "alert
 * sources"), with the installation's room; otherwise a 403 saying who may, or a 503 when HipChat cannot
 * be asked (nothing is guessed).
 */
export async function requireEditor(context: HipChatContext, what: string): Promise<ConfigureAccess & { editor: NonNullable<ConfigureAccess['editor']> }> {
  let access: ConfigureAccess;
  try {
    access = await configureAccess(context);
  } catch (err) {
    if (err instanceof HipChatApiError) throw new AddonError(503, 'hipchat_unavailable', `Could not check with HipChat who may change ${what}. ${err.message}. Try again in a moment.`);
    throw err;
  }
  if (!access.editor) {
    context.log.info({ what }, 'change refused: not a group admin or the room owner');
    throw new AddonError(403, 'forbidden', access.rule);
  }
  return { ...access, editor: access.editor };
}
