import type { CreatedIntegration, RoomIntegration } from '../room-integrations';
import type { User, World } from '../state';
import { mayAdminister } from './access';
import { html, type SafeHtml } from './html';
import { clock } from './layout';

/** "Build your own integration" on the Integrations page (seed 001: pick a room, name it). */
export function byoPanel(world: World, user: User, integrations: RoomIntegration[], roomId: number | undefined): SafeHtml {
  const ownRooms = [...world.rooms.values()].filter((room) => !room.is_archived && mayAdminister(room, user));
  const visible = integrations.filter((integration) => {
    const room = world.rooms.get(integration.roomId);
    return room && (room.privacy === 'public' || room.members.has(user.id));
  });
  return html`<section class="panel" aria-labelledby="byo-heading">
    <h2 id="byo-heading">Build your own integration</h2>
    <p class="muted">Send notifications to a room from any tool that can make an HTTP POST: name the integration and HipChat gives you the URL to post to.</p>
    ${ownRooms.length === 0
      ? html`<p class="muted">Room owners and group admins can build integrations; you own no room.</p>`
      : html`<form method="post" action="/addons/byo" class="stack byo-form">
      <label>Room <select name="roomId">${ownRooms.map((room) => html`<option value="${room.id}" ${room.id === roomId ? html`selected` : ''}>${room.name}</option>`)}</select></label>
      <label>Name <input name="name" required maxlength="100" autocomplete="off" placeholder="Sumo Logic alerts"></label>
      <div class="row end"><button type="submit" class="button button-primary">Create</button></div>
    </form>`}
    ${visible.length === 0
      ? ''
      : html`<ul class="installed byo-list">${visible.map((integration) => byoRow(integration, world, user))}</ul>`}
  </section>`;
}

function byoRow(integration: RoomIntegration, world: World, user: User): SafeHtml {
  const room = world.room(integration.roomId);
  return html`<li class="installed-row" data-integration-id="${integration.id}">
    <span class="addon-badge" aria-hidden="true">${integration.name.slice(0, 1).toUpperCase()}</span>
    <div class="installed-main">
      <h3>${integration.name}</h3>
      <p class="facts">
        <span class="tag tag-room">Room: ${room.name}</span>
        <span>Token …${integration.tokenHint}</span>
        <span>Created ${integration.created.slice(0, 10)} at ${clock(integration.created)} UTC by ${world.users.get(integration.createdBy)?.name ?? 'a former user'}</span>
      </p>
    </div>
    <div class="installed-actions">
      ${mayAdminister(room, user)
        ? html`<form method="post" action="/addons/byo/${integration.id}/delete"><button type="submit" class="button button-danger">Delete</button></form>`
        : ''}
    </div>
  </li>`;
}

/** Shown once, right after creating: the URL with its token, and how to post to it. */
export function byoCreatedMain(created: CreatedIntegration, world: World): SafeHtml {
  const room = world.room(created.integration.roomId);
  const example = `curl -H 'Content-Type: application/json' -d '{"color":"green","message":"It works","notify":false,"message_format":"text"}' '${created.url}'`;
  return html`<section class="integrations byo-created">
  <header class="page-header">
    <p class="breadcrumbs"><a href="/addons">Integrations</a> › ${created.integration.name}</p>
    <h1>${created.integration.name}</h1>
  </header>
  <section class="panel">
    <h2>Send messages to this room by posting to this URL</h2>
    <p><code class="wrap" id="byo-url">${created.url}</code></p>
    <p class="muted">Copy it now: the token in it is not shown again. It can only send notifications to ${room.name}. Delete the integration to revoke it.</p>
    <h3>Example</h3>
    <pre class="wrap">${example}</pre>
    <p><a class="button button-subtle" href="/addons">Back to Integrations</a></p>
  </section>
</section>`;
}
