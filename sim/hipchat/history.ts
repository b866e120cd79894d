import type { ChatMessage, Room, RoomNotification } from './state';

export type HistoryEntry = { kind: 'message'; item: ChatMessage } | { kind: 'notification'; item: RoomNotification };

/** Messages and notifications in the order they were posted (a message before a reply of the same instant). */
export function roomHistory(room: Room): HistoryEntry[] {
  const merged: HistoryEntry[] = [];
  let m = 0;
  let n = 0;
  while (m < room.messages.length || n < room.notifications.length) {
    const message = room.messages[m];
    const notification = room.notifications[n];
    if (message && (!notification || message.date <= notification.date)) {
      merged.push({ kind: 'message', item: message });
      m += 1;
    } else if (notification) {
      merged.push({ kind: 'notification', item: notification });
      n += 1;
    }
  }
  return merged;
}
