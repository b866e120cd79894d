import { enqueueJobs } from '../store/jobs';
import { deleteRoomData, findAcceptedByUser, findInvite, markSeen, setRoomArchived, upsertRecipient } from '../store/invites';
import type { RoomEvent } from './chat';
import { onRoomMessage, type RoomEventContext, type RoomReply } from './command';
import { JOIN_WINDOW_MS, type RoomEnter } from './join-index';
import { joinedNotice } from './notices';
import { glanceJob } from './glance';
import type { ResponseDeps } from './responses';
import { noticeJob, type InviteDeps } from './service';


type EventOf<K extends RoomEvent['kind']> = Extract<RoomEvent, { kind: K }>;

/** A handler per room event, each taking the event's context (as bolt-js listeners and Probot's `app.on` do). */
export type RoomEventHandlers = { [K in RoomEvent['kind']]?: (ctx: RoomEventContext, event: EventOf<K>) => Promise<RoomReply | undefined> };

export function roomEventHandlers(deps: ResponseDeps): RoomEventHandlers {
  return {
    message: (ctx, event) => onRoomMessage(deps, ctx, event),
    async enter(ctx, event) {
      const enter: RoomEnter = { installationId: ctx.installationId, roomId: ctx.roomId, user: { id: event.user.id, name: event.user.name }, at: Date.now() };
      // Most people entering a room are not awaited responders: memory says so without a database read.
      if (deps.joins.nobodyWaits(enter)) return undefined;
      const joined = await userEnteredRoom(deps, enter);
      if (joined.length) ctx.log.info({ joined }, 'responder joined the room');
      return undefined;
    },
    async archived(ctx) {
      await setRoomArchived(deps.db, ctx.installationId, ctx.roomId, true);
      ctx.log.info('room archived: its notices wait');
      return undefined;
    },
    async unarchived(ctx) {
      await setRoomArchived(deps.db, ctx.installationId, ctx.roomId, false);
      deps.wake();
      ctx.log.info('room unarchived: its notices go out');
      return undefined;
    },
    async deleted(ctx) {
      await deleteRoomData(deps.db, ctx.installationId, ctx.roomId);
      await deps.joins.roomChanged(ctx.installationId, ctx.roomId);
      ctx.log.info('room deleted: its invites and pending notices were removed');
      return undefined;
    },
  };
}

/**
 * A user entered the room (at `enter.at`): responders who accepted an invite of this room are marked
 * joined, and the room is told how long it took. Entering twice changes nothing the second time.
 * Returns who joined.
 */
export async function userEnteredRoom(deps: InviteDeps, enter: RoomEnter): Promise<Array<{ inviteId: string; targetName: string }>> {
  const { installationId, roomId, user, at: now } = enter;
  const joined: Array<{ inviteId: string; targetName: string }> = [];
  const accepted = await findAcceptedByUser(deps.db, installationId, roomId, user.id, now - JOIN_WINDOW_MS);
  for (const recipient of accepted) {
    const invite = await findInvite(deps.db, recipient.inviteId);
    if (!invite) continue;
    const minutes = Math.floor((now - recipient.inviteCreatedAt) / 60_000);
    const fresh = await deps.db.transaction(async (trx) => {
      if (!(await markSeen(trx, installationId, `joined:${recipient.inviteId}|${recipient.targetName}`))) return false;
      await upsertRecipient(trx, recipient.inviteId, recipient.targetName, { state: 'joined', joinedAt: now });
      await enqueueJobs(trx, [noticeJob(installationId, roomId, joinedNotice(invite, user.name, minutes), `joined-notice:${invite.id}|${recipient.targetName}`), glanceJob(installationId, roomId)]);
      return true;
    });
    if (!fresh) continue;
    joined.push({ inviteId: invite.id, targetName: recipient.targetName });
  }
  if (joined.length) {
    deps.wake();
    await deps.joins.roomChanged(installationId, roomId);
  }
  return joined;
}

/** Runs the handler registered for the event's kind; undefined when none is (the event is acknowledged). */
export function dispatchRoomEvent(handlers: RoomEventHandlers, ctx: RoomEventContext, event: RoomEvent): Promise<RoomReply | undefined> {
  const handler = handlers[event.kind] as ((ctx: RoomEventContext, event: RoomEvent) => Promise<RoomReply | undefined>) | undefined;
  return handler ? handler(ctx, event) : Promise.resolve(undefined);
}
