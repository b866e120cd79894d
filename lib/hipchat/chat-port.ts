import type { ChatPort, ChatRoom, ChatUser, NoticeCard, RoomNotice, RoomStatus } from '../invites/chat';
import type { Card, GlanceContent, HipChatClient, RoomNotification } from './client';
import { HipChatApiError } from './errors';
import type { Installation, InstallationCache } from './installations';

function toCard(card: NoticeCard): Card {
  return {
    style: 'application',
    format: 'medium',
    id: card.id,
    title: card.title.slice(0, 500),
    ...(card.url ? { url: card.url } : {}),
    description: { value: card.description.slice(0, 1000), format: card.descriptionFormat ?? 'text' },
    attributes: card.attributes.map((a) => ({
      label: a.label,
      value: { label: a.value.slice(0, 200), ...(a.style ? { style: `lozenge-${a.style}` } : {}) },
    })),
  };
}

/** RoomNotice → HipChat's send-notification body: text with @mentions, and a card where one is given. */
export function toNotification(notice: RoomNotice, from: string): RoomNotification {
  return {
    message: notice.text.slice(0, 10_000),
    message_format: notice.format ?? 'text',
    color: notice.color,
    notify: notice.notify,
    from: notice.from ?? from,
    ...(notice.card ? { card: toCard(notice.card) } : {}),
  };
}

/** The ChatPort over HipChat's REST API, one installation-scoped client per call. */
export function hipchatChatPort(deps: {
  installations: InstallationCache;
  clientFor(installation: Installation): HipChatClient;
  fromName: string;
}): ChatPort {
  const clientOf = async (installationId: string) => {
    const installation = await deps.installations.get(installationId);
    if (!installation) throw new HipChatApiError(`Installation ${installationId} is not active`, 'inactive', undefined, undefined);
    return deps.clientFor(installation);
  };
  return {
    async postNotice(installationId, roomId, notice) {
      await (await clientOf(installationId)).sendNotification(roomId, toNotification(notice, deps.fromName));
    },
    async findUser(installationId, by) {
      const client = await clientOf(installationId);
      const lookups = [
        ...(by.email ? [{ key: by.email, matchedBy: 'email' as const }] : []),
        ...(by.mentionName ? [{ key: `@${by.mentionName}`, matchedBy: 'mention_name' as const }] : []),
      ];
      for (const { key, matchedBy } of lookups) {
        try {
          const user = await client.getUser(key);
          if (user.is_deleted) continue;
          // The address must be the user's own, not one HipChat matched loosely.
          if (matchedBy === 'email' && user.email?.toLowerCase() !== by.email!.toLowerCase()) continue;
          return { user: { id: String(user.id), name: user.name, mentionName: user.mention_name } satisfies ChatUser, matchedBy };
        } catch (err) {
          if (!(err instanceof HipChatApiError && err.code === 'not_found')) throw err;
        }
      }
      return undefined;
    },
    async getRoom(installationId, roomId) {
      const client = await clientOf(installationId);
      const room = await client.getRoom(roomId);
      const isPrivate = room.privacy === 'private';
      // Membership matters only for private rooms, where a responder must be invited to get in.
      const memberIds = isPrivate ? (await client.getRoomMemberIds(roomId)).map(String) : undefined;
      return { id: room.id, name: room.name, isPrivate, ...(memberIds ? { memberIds } : {}) } satisfies ChatRoom;
    },
    async inviteToRoom(installationId, roomId, userId, reason) {
      await (await clientOf(installationId)).inviteUser(roomId, userId, reason.slice(0, 250));
    },
    async showRoomStatus(installationId, roomId, status) {
      await (await clientOf(installationId)).updateRoomGlance(roomId, GLANCE_KEY, glanceContent(status));
    },
  };
}

/** The key of the add-on's glance module in atlassian-connect.json. */
export const GLANCE_KEY = 'oncall-glance';

/**
 * Glance data as `queryUrl` answers it and `POST addon/ui/room/{roomId}` pushes it (docs §5):
 * `{label:{type:"html", value}, status?:{type:"lozenge", value:{label, type}}}`.
 */
export function glanceContent(status: RoomStatus): GlanceContent {
  return {
    label: { type: 'html', value: status.html },
    ...(status.lozenge ? { status: { type: 'lozenge', value: { label: status.lozenge.label, type: status.lozenge.type } } } : {}),
  };
}
