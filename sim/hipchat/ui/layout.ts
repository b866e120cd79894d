import type { Room, User, World } from '../state';
import { html, raw, type SafeHtml } from './html';
import type { Notice } from './session';

export interface PageSpec {
  title: string;
  world: World;
  user: User;
  /** Highlighted in the sidebar. */
  roomId?: number;
  section: 'rooms' | 'integrations' | 'account';
  notice?: Notice | undefined;
  main: SafeHtml;
  /** A right-hand column (participants). */
  aside?: SafeHtml;
  /** Module scripts under /chat/static/. */
  scripts?: string[];
  /** Where the user switcher returns to. */
  path: string;
}

/** The HipChat web client's frame: top bar, rooms sidebar, main column, optional right column. */
export function page(spec: PageSpec): SafeHtml {
  const { world, user } = spec;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${spec.title} · HipChat (simulator)</title>
<link rel="stylesheet" href="/chat/static/chat.css">
${(spec.scripts ?? []).map((script) => html`<script type="module" src="/chat/static/${script}"></script>`)}
<script type="module" src="/chat/static/page.js"></script>
<link rel="icon" href="data:,">
</head>
<body>
<header class="topbar">
  <a class="brand" href="/chat"><span class="brand-mark" aria-hidden="true">H</span>HipChat <span class="brand-group">${world.group.name}</span></a>
  <nav class="topnav" aria-label="Main">
    <a href="/chat" ${spec.section === 'rooms' ? html`aria-current="page"` : ''}>Rooms</a>
    <a href="/addons" ${spec.section === 'integrations' ? html`aria-current="page"` : ''}>Integrations</a>
    <a href="/account/api" ${spec.section === 'account' ? html`aria-current="page"` : ''}>API tokens</a>
  </nav>
  <form class="switcher" method="post" action="/chat/user">
    <input type="hidden" name="returnTo" value="${spec.path}">
    ${avatar(user, 'small')}
    <label for="switch-user" class="visually-hidden">Signed in as</label>
    <select id="switch-user" name="userId">
      ${[...world.users.values()].filter((u) => !u.is_deleted || u.id === user.id).map(
        (u) => html`<option value="${u.id}" ${u.id === user.id ? html`selected` : ''}>${u.name}${u.is_group_admin ? ' (admin)' : u.is_guest ? ' (guest)' : ''}</option>`,
      )}
    </select>
    <button type="submit" class="button button-subtle">Switch user</button>
  </form>
</header>
<div class="shell ${spec.aside ? 'with-aside' : ''}">
  <nav class="sidebar" aria-label="Rooms">
    <h2 class="sidebar-heading">Rooms</h2>
    <ul class="room-list">
      ${[...world.rooms.values()].map((room) => roomLink(room, user, spec.roomId))}
    </ul>
    ${user.is_guest ? '' : createRoomForm()}
  </nav>
  <main class="main" id="main">
    ${spec.notice ? noticeBanner(spec.notice) : ''}
    ${spec.main}
  </main>
  ${spec.aside ? html`<aside class="aside" id="aside" aria-label="Room details">${spec.aside}</aside>` : ''}
</div>
</body>
</html>`;
}

function roomLink(room: Room, user: User, activeId: number | undefined): SafeHtml {
  const locked = room.privacy === 'private' && !room.members.has(user.id);
  return html`<li><a href="/chat/room/${room.id}" class="room-link ${room.id === activeId ? 'active' : ''} ${room.is_archived ? 'archived' : ''}" ${
    room.id === activeId ? html`aria-current="page"` : ''
  }>${roomIcon(room)}<span class="room-name">${room.name}</span>${
    room.is_archived ? html`<span class="tag">archived</span>` : locked ? html`<span class="tag">private</span>` : ''
  }</a></li>`;
}

function createRoomForm(): SafeHtml {
  return html`<details class="create-room">
    <summary>Create a room</summary>
    <form method="post" action="/chat/rooms" class="stack">
      <label>Name <input name="name" required maxlength="50" autocomplete="off"></label>
      <label class="inline"><input type="checkbox" name="private" value="1"> Private room</label>
      <button type="submit" class="button button-primary">Create room</button>
    </form>
  </details>`;
}

function noticeBanner(notice: Notice): SafeHtml {
  return html`<div class="notice notice-${notice.kind}" role="${notice.kind === 'error' ? 'alert' : 'status'}">
    <p>${notice.text}</p>
    ${notice.detail ? html`<pre>${notice.detail}</pre>` : ''}
  </div>`;
}

/** chat.css defines .avatar-c0 … .avatar-c5. */
const AVATAR_COLOR_COUNT = 6;

/** A person's avatar: initials on a colour derived from the id. */
export function avatar(user: Pick<User, 'id' | 'name'>, size: 'small' | 'normal' = 'normal'): SafeHtml {
  const initials = user.name
    .split(/\s+/)
    .map((word) => word[0] ?? '')
    .join('')
    .slice(0, 2)
    .toUpperCase();
  return html`<span class="avatar avatar-${size} avatar-c${user.id % AVATAR_COLOR_COUNT}" aria-hidden="true">${initials}</span>`;
}

const LOCK = raw(
  '<svg class="lock" viewBox="0 0 16 16" width="12" height="12" focusable="false"><path fill="currentColor" d="M4 7V5a4 4 0 1 1 8 0v2h1.5v8h-11V7H4zm2 0h4V5a2 2 0 1 0-4 0v2z"/></svg>',
);

/** "#" for a public room, a padlock for a private one. */
export function roomIcon(room: Pick<Room, 'privacy'>): SafeHtml {
  return html`<span class="room-icon ${room.privacy}" aria-hidden="true">${room.privacy === 'private' ? LOCK : '#'}</span>`;
}

/** HH:MM of a HipChat date (the seeded users' timezone is UTC). */
export function clock(date: string): string {
  return date.slice(11, 16);
}
