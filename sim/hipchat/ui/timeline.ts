import type { Installer } from '../installations';
import type { ChatMessage, Room, RoomNotification, World } from '../state';
import { html, type SafeHtml } from './html';
import { avatar, clock } from './layout';
import { colorOf, formatText, notificationBody, type Mentions } from './message-html';
import { addonIcon } from './modules';

type Entry = { kind: 'message'; item: ChatMessage } | { kind: 'notification'; item: RoomNotification };

export interface RenderedItem {
  id: string;
  html: string;
}

/** Messages and notifications in the order they were posted (a message before a reply of the same instant). */
function entries(room: Room): Entry[] {
  const merged: Entry[] = [];
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

/** Changes whenever something the room view shows changes; the page polls with it. */
export function feedVersion(room: Room): string {
  return [room.messages.length, room.notifications.length, room.revision, [...room.participants].join('-'), room.members.size, room.is_archived].join('.');
}

/** The room's timeline as HTML fragments, as seen by `viewerMention`. */
export function renderTimeline(room: Room, world: World, installer: Installer, viewerMention: string): RenderedItem[] {
  const mentions: Mentions = { known: new Set([...world.users.values()].map((user) => user.mention_name)), mine: viewerMention };
  return entries(room).map((entry) => ({
    id: entry.item.id,
    html: (entry.kind === 'message' ? message(entry.item, world, mentions) : notification(entry.item, installer, mentions)).value,
  }));
}

function message(item: ChatMessage, world: World, mentions: Mentions): SafeHtml {
  const user = world.users.get(item.from.id) ?? { id: item.from.id, name: item.from.name };
  return html`<li class="item item-message" data-id="${item.id}">
    ${avatar(user)}
    <div class="item-main">
      <div class="item-head"><span class="item-from">${item.from.name}</span><time datetime="${item.date}">${clock(item.date)}</time></div>
      <div class="item-body plain">${formatText(item.message, mentions)}</div>
    </div>
  </li>`;
}

function notification(item: RoomNotification, installer: Installer, mentions: Mentions): SafeHtml {
  const installation = installer.installations.get(item.oauthId);
  const descriptor = installation?.descriptor;
  const fromName = descriptor?.capabilities?.hipchatApiConsumer?.fromName ?? descriptor?.name ?? 'Integration';
  const icon = descriptor ? addonIcon(descriptor) : undefined;
  const initial = (item.from || fromName).slice(0, 1).toUpperCase();
  return html`<li class="item item-notification color-${colorOf(item.color, item.id)}" data-id="${item.id}">
    <span class="avatar avatar-addon" aria-hidden="true">${initial}${icon ? html`<img src="${icon}" alt="">` : ''}</span>
    <div class="item-main">
      <div class="item-head"><span class="item-from">${item.from || fromName}</span>${
        item.from && item.from !== fromName ? html`<span class="item-via">via ${fromName}</span>` : ''
      }<time datetime="${item.date}">${clock(item.date)}</time></div>
      <div class="item-body">${notificationBody(item, mentions)}</div>
    </div>
  </li>`;
}
