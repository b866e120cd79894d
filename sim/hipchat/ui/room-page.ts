import type { Room, User, World } from '../state';
import { mayAdminister } from './access';
import { html, raw, type SafeHtml } from './html';
import { avatar, roomIcon } from './layout';
import { formatText } from './message-html';
import type { RenderedItem } from './timeline';

export function roomMain(room: Room, user: User, items: RenderedItem[], version: string): SafeHtml {
  const writable = !room.is_archived;
  return html`<section class="room" id="room" data-room-id="${room.id}" data-feed-version="${version}" data-archived="${String(room.is_archived)}">
  <header class="room-header">
    <div class="room-title">
      <h1>${roomIcon(room)}${room.name}</h1>
      <p class="topic" id="room-topic">${topicHtml(room)}</p>
    </div>
    <div class="room-tools">
      ${writable ? topicMenu(room) : ''}
      ${roomMenu(room, user)}
    </div>
  </header>
  ${room.is_archived ? html`<div class="notice notice-info" role="status"><p>This room is archived. Its history can be read, but nobody can post in it.</p></div>` : ''}
  <ol class="timeline" id="timeline" aria-live="polite" aria-label="Messages">
    ${items.map((item) => raw(item.html))}
    <li class="timeline-empty" ${items.length > 0 ? html`hidden` : ''}>No messages yet. Say hello, or try an integration with the + button.</li>
  </ol>
  ${writable ? composer(room) : ''}
</section>
${dialogFrame()}`;
}

/** The topic with its links clickable. */
export function topicHtml(room: Room): SafeHtml | string {
  return room.topic ? formatText(room.topic, { known: new Set(), mine: '' }) : 'No topic set';
}

function topicMenu(room: Room): SafeHtml {
  return html`<details class="menu">
    <summary class="button button-subtle">Change topic</summary>
    <form method="post" action="/chat/room/${room.id}/topic" class="menu-panel stack">
      <label>Topic <input name="topic" value="${room.topic}" maxlength="250" autocomplete="off"></label>
      <button type="submit" class="button button-primary">Set topic</button>
    </form>
  </details>`;
}

function roomMenu(room: Room, user: User): SafeHtml {
  const admin = mayAdminister(room, user);
  return html`<details class="menu">
    <summary class="button button-subtle" aria-label="Room actions">Room ▾</summary>
    <div class="menu-panel stack">
      ${room.is_archived ? '' : action(room, 'leave', 'Leave room')}
      ${admin ? action(room, room.is_archived ? 'unarchive' : 'archive', room.is_archived ? 'Unarchive room' : 'Archive room') : ''}
      ${admin ? action(room, 'delete', 'Delete room', 'button-danger') : ''}
      <a class="button button-subtle" href="/addons?room=${room.id}">Integrations…</a>
    </div>
  </details>`;
}

function action(room: Room, name: string, label: string, style = 'button-subtle'): SafeHtml {
  return html`<form method="post" action="/chat/room/${room.id}/${name}"><button type="submit" class="button ${style}">${label}</button></form>`;
}

function composer(room: Room): SafeHtml {
  return html`<form class="composer" id="composer" method="post" action="/chat/room/${room.id}/message">
    <div class="plus-wrap">
      <button type="button" class="plus" id="plus-button" aria-haspopup="menu" aria-expanded="false" aria-controls="plus-menu" title="Integrations">+</button>
      <div class="plus-menu" id="plus-menu" role="menu" hidden></div>
    </div>
    <label for="composer-input" class="visually-hidden">Message</label>
    <input id="composer-input" name="message" placeholder="Send a message to ${room.name}…" autocomplete="off" required maxlength="10000">
    <button type="submit" class="button button-primary">Send</button>
  </form>`;
}

/** The modal HipChat opened dialogs in; the room script fills it. */
function dialogFrame(): SafeHtml {
  return html`<div class="overlay" id="dialog-overlay" hidden>
  <section class="dialog" id="dialog" role="dialog" aria-modal="true" aria-labelledby="dialog-title">
    <header class="dialog-header">
      <h2 id="dialog-title"></h2>
      <button type="button" class="dialog-close" id="dialog-close" aria-label="Close dialog">×</button>
    </header>
    <div class="dialog-body" id="dialog-body"></div>
    <footer class="dialog-footer">
      <p class="dialog-hint" id="dialog-hint"></p>
      <div class="dialog-buttons" id="dialog-buttons"></div>
    </footer>
  </section>
</div>`;
}

/** The right column: who is here, members of a private room, inviting into it. */
export function participantsPanel(room: Room, world: World, user: User): SafeHtml {
  const people = (ids: Iterable<number>) => [...ids].flatMap((id) => {
    const person = world.users.get(id);
    return person ? [person] : [];
  });
  const here = people(room.participants);
  const members = people(room.members);
  const invitable = [...world.users.values()].filter((person) => !person.is_deleted && !room.members.has(person.id));
  const owner = room.ownerId === null ? undefined : world.users.get(room.ownerId);
  return html`<section class="panel" aria-labelledby="participants-heading">
    <h2 id="participants-heading">In this room <span class="count">${here.length}</span></h2>
    <ul class="people">
      ${here.length === 0 ? html`<li class="muted">Nobody is here right now.</li>` : here.map((person) => personRow(person, user, true))}
    </ul>
  </section>
  ${room.privacy === 'private'
    ? html`<section class="panel" aria-labelledby="members-heading">
    <h2 id="members-heading">Members <span class="count">${members.length}</span></h2>
    <ul class="people">${members.map((person) => personRow(person, user, room.participants.has(person.id)))}</ul>
    ${room.is_archived || invitable.length === 0
      ? ''
      : html`<form method="post" action="/chat/room/${room.id}/invite" class="invite">
      <label for="invite-user">Invite to this room</label>
      <select id="invite-user" name="userId">${invitable.map((person) => html`<option value="${person.id}">${person.name}</option>`)}</select>
      <button type="submit" class="button button-subtle">Invite</button>
    </form>`}
  </section>`
    : ''}
  <section class="panel room-facts">
    <h2>About</h2>
    <dl>
      <dt>Privacy</dt><dd>${room.privacy === 'private' ? 'Private' : 'Public'}</dd>
      <dt>Owner</dt><dd>${owner ? owner.name : 'Nobody'}</dd>
      <dt>Room id</dt><dd>${room.id}</dd>
    </dl>
  </section>`;
}

function personRow(person: User, viewer: User, online: boolean): SafeHtml {
  return html`<li class="person">
    ${avatar(person, 'small')}
    <span class="presence ${online ? 'online' : 'offline'}" title="${online ? 'In the room' : 'Away'}"></span>
    <span class="person-name">${person.name}${person.id === viewer.id ? html` <span class="muted">(you)</span>` : ''}</span>
    <span class="person-mention muted">@${person.mention_name}</span>
    ${person.is_group_admin ? html`<span class="tag">admin</span>` : person.is_guest ? html`<span class="tag">guest</span>` : ''}
  </li>`;
}

export function notMemberMain(room: Room): SafeHtml {
  return html`<section class="locked">
    <div class="locked-icon">${roomIcon(room)}</div>
    <h1>${room.name}</h1>
    <p>You are not a member of this private room. A member can invite you.</p>
    <p><a class="button button-subtle" href="/chat">Back to the lobby</a></p>
  </section>`;
}

export function lobbyMain(world: World, user: User): SafeHtml {
  return html`<section class="lobby">
    <h1>Lobby</h1>
    <p class="muted">Signed in as ${user.name}${user.is_group_admin ? ', a group admin' : ''}. Open a room to join it.</p>
    <table class="grid">
      <thead><tr><th>Room</th><th>Topic</th><th>People</th></tr></thead>
      <tbody>
        ${[...world.rooms.values()].map(
          (room) => html`<tr>
          <td><a href="/chat/room/${room.id}">${room.name}</a> ${room.privacy === 'private' ? html`<span class="tag">private</span>` : ''}${
            room.is_archived ? html`<span class="tag">archived</span>` : ''
          }</td>
          <td>${room.topic || html`<span class="muted">—</span>`}</td>
          <td>${room.participants.size}</td>
        </tr>`,
        )}
      </tbody>
    </table>
  </section>`;
}
