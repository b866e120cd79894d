import type { Installer } from '../installations';
import { senderName } from '../sender-names';
import type { ChatMessage, Room, RoomNotification, World } from '../state';
import { html, type SafeHtml } from './html';
import { avatar, clock } from './layout';
import { colorOf, formatText, notificationBody, type Mentions } from './message-html';
import { addonIcon } from './modules';

export interface RenderedItem {
  id: string;
  html: string;
}

/** Changes whenever something the room view shows changes (glance pushes included); the page polls with it. */
export function feedVersion(room: Room, glanceVersion: number): string {
  return [room.messages.length, room.notifications.length, room.revision, [...room.participants].join('-'), room.members.size, room.is_archived, glanceVersion].join('.');
}

/** The room's timeline as HTML fragments, as seen by `viewerMention`. */
export function renderTimeline(room: Room, world: World, installer: Installer, viewerMention: string): RenderedItem[] {
  const mentions: Mentions = { known: new Set([...world.users.values()].map((user) => user.mention_name)), mine: viewerMention };
  return room.history.map((entry) => ({
    id: entry.item.id,
    html: (entry.kind === 'message' ? message(entry.item, world, mentions) : notification(entry.item, world, installer, mentions)).value,
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

function notification(item: RoomNotification, world: World, installer: Installer, mentions: Mentions): SafeHtml {
  const fromName = senderName(item.sender, world, installer);
  return html`<li class="item item-notification color-${colorOf(item.color, item.id)}" data-id="${item.id}">
    ${senderAvatar(item, world, installer, item.from || fromName)}
    <div class="item-main">
      <div class="item-head"><span class="item-from">${item.from || fromName}</span>${
        item.from && item.from !== fromName ? html`<span class="item-via">via ${fromName}</span>` : ''
      }<time datetime="${item.date}">${clock(item.date)}</time></div>
      <div class="item-body">${notificationBody(item, mentions)}</div>
    </div>
  </li>`;
}

/** A user's avatar for notifications a user's token sent; else the add-on's icon (or a letter badge). */
function senderAvatar(item: RoomNotification, world: World, installer: Installer, label: string): SafeHtml {
  const user = item.sender.type === 'user' ? world.users.get(item.sender.userId) : undefined;
  if (user) return avatar(user);
  const descriptor = item.sender.type === 'addon' ? installer.installations.get(item.sender.oauthId)?.descriptor : undefined;
  const icon = descriptor ? addonIcon(descriptor) : undefined;
  return html`<span class="avatar avatar-addon" aria-hidden="true">${label.slice(0, 1).toUpperCase()}${icon ? html`<img src="${icon}" alt="">` : ''}</span>`;
}
