import { deleteRoomData, findAcceptedByUser, findInvite, markSeen, setRoomArchived, upsertRecipient } from '../store/invites';
import { queueNotice, type InviteDeps } from './service';
import { joinedNotice } from './notices';

/** How long after an invite a responder entering the room still counts as answering it. */
const JOIN_WINDOW_MS = 24 * 60 * 60_000;

/**
 * A user entered the room: responders who accepted an invite of this room are marked joined, and the
 * room is told how long it took. Entering twice changes nothing the second time. Returns who joined.
 */
export async function userEnteredRoom(deps: InviteDeps, installationId: string, roomId: number, user: { id: string; name: string }): Promise<Array<{ inviteId: string; targetName: string }>> {
  const joined: Array<{ inviteId: string; targetName: string }> = [];
  const now = Date.now();
  const accepted = await findAcceptedByUser(deps.db, installationId, roomId, user.id, now - JOIN_WINDOW_MS);
  for (const recipient of accepted) {
    const fresh = await deps.db.transaction(async (trx) => {
      if (!(await markSeen(trx, installationId, `joined:${recipient.inviteId}|${recipient.targetName}`))) return false;
      await upsertRecipient(trx, recipient.inviteId, recipient.targetName, { state: 'joined', joinedAt: now });
      return true;
    });
    if (!fresh) continue;
    const invite = await findInvite(deps.db, recipient.inviteId);
    if (!invite) continue;
    const minutes = Math.floor((now - recipient.inviteCreatedAt) / 60_000);
    await queueNotice(deps, installationId, roomId, joinedNotice(invite, user.name, minutes), `joined-notice:${invite.id}|${recipient.targetName}`);
    joined.push({ inviteId: invite.id, targetName: recipient.targetName });
  }
  return joined;
}

export async function roomArchived(deps: InviteDeps, installationId: string, roomId: number, archived: boolean): Promise<void> {
  await setRoomArchived(deps.db, installationId, roomId, archived);
  if (!archived) deps.wake();
}

export async function roomDeleted(deps: InviteDeps, installationId: string, roomId: number): Promise<void> {
  await deleteRoomData(deps.db, installationId, roomId);
}
