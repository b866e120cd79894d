import type { Descriptor } from '../descriptor';
import type { Installation } from '../installations';
import type { RoomIntegration } from '../room-integrations';
import type { User, World } from '../state';
import { mayConfigure, mayInstall } from './access';
import { byoPanel } from './byo-page';
import type { ScopeInfo } from './deps';
import { html, type SafeHtml } from './html';
import { clock } from './layout';
import { addonIcon } from './modules';

/** The Integrations tab: the install form (admins) and what is installed. */
export function integrationsMain(world: World, user: User, installations: Installation[], integrations: RoomIntegration[], roomId: number | undefined): SafeHtml {
  return html`<section class="integrations">
  <header class="page-header">
    <h1>Integrations</h1>
    <p class="muted">Add-ons installed for the whole group or a single room. They post notifications, receive room events and add actions to the + menu.</p>
  </header>
  ${mayInstall(user)
    ? installForm('', roomId)
    : html`<div class="notice notice-info" role="status"><p>Only group admins can install or uninstall integrations. You are signed in as ${user.name}; switch to Alice Admin at the top right to try it.</p></div>`}
  <section class="panel" aria-labelledby="installed-heading">
    <h2 id="installed-heading">Installed integrations <span class="count">${installations.length}</span></h2>
    ${installations.length === 0
      ? html`<p class="muted">Nothing is installed yet.</p>`
      : html`<ul class="installed">${installations.map((installation) => installedRow(installation, user, world))}</ul>`}
  </section>
  ${byoPanel(world, user, integrations, roomId)}
</section>`;
}

export function installForm(url: string, roomId: number | undefined): SafeHtml {
  return html`<section class="panel install-panel" aria-labelledby="install-heading">
    <h2 id="install-heading">Install an integration from a descriptor URL</h2>
    <form method="get" action="/addons/install" class="install-form">
      ${roomId === undefined ? '' : html`<input type="hidden" name="room" value="${roomId}">`}
      <label for="descriptor-url">Descriptor URL</label>
      <div class="row">
        <input id="descriptor-url" name="url" type="url" required value="${url}" placeholder="https://addon.example.com/atlassian-connect.json" autocomplete="off">
        <button type="submit" class="button button-primary">Install</button>
      </div>
      <p class="muted">HipChat fetches the add-on's capabilities descriptor, checks it against its schema and shows what the add-on asks for before anything is installed.</p>
    </form>
  </section>`;
}

function installedRow(installation: Installation, user: User, world: World): SafeHtml {
  const { descriptor } = installation;
  const room = installation.roomId === undefined ? undefined : world.rooms.get(installation.roomId);
  const configurable = descriptor.capabilities?.configurable !== undefined && mayConfigure(installation, user, world);
  return html`<li class="installed-row" data-oauth-id="${installation.oauthId}">
    ${addonBadge(descriptor)}
    <div class="installed-main">
      <h3>${descriptor.name}</h3>
      <p class="muted">${descriptor.description}</p>
      <p class="facts">
        <span class="tag ${installation.roomId === undefined ? 'tag-global' : 'tag-room'}">${
          installation.roomId === undefined ? 'Global' : `Room: ${room?.name ?? `#${installation.roomId} (deleted)`}`
        }</span>
        <span>Installed ${installation.installedAt.slice(0, 10)} at ${clock(installation.installedAt)} UTC</span>
      </p>
    </div>
    <div class="installed-actions">
      ${configurable ? html`<a class="button button-subtle" href="/addons/${installation.oauthId}/configure">Configure</a>` : ''}
      ${mayInstall(user)
        ? html`<form method="post" action="/addons/${installation.oauthId}/uninstall"><button type="submit" class="button button-danger">Uninstall</button></form>`
        : ''}
    </div>
  </li>`;
}

function addonBadge(descriptor: Descriptor): SafeHtml {
  const icon = addonIcon(descriptor);
  return html`<span class="addon-badge" aria-hidden="true">${descriptor.name.slice(0, 1).toUpperCase()}${icon ? html`<img src="${icon}" alt="">` : ''}</span>`;
}

export interface ReviewSpec {
  url: string;
  descriptor: Descriptor;
  scopes: ScopeInfo[];
  world: World;
  roomId: number | undefined;
}

/** "Install Integration": what the add-on is, what it may do, and where to install it. */
export function reviewMain(spec: ReviewSpec): SafeHtml {
  const { descriptor, world } = spec;
  const installable = descriptor.capabilities?.installable ?? {};
  const allowGlobal = installable.allowGlobal !== false;
  const allowRoom = installable.allowRoom !== false;
  const rooms = [...world.rooms.values()].filter((room) => !room.is_archived);
  const vendor = descriptor.vendor as { name?: string; url?: string } | undefined;
  const roomChosen = allowRoom && (spec.roomId !== undefined || !allowGlobal);
  return html`<section class="review">
  <header class="page-header">
    <p class="breadcrumbs"><a href="/addons">Integrations</a> › Install</p>
    <h1>Install ${descriptor.name}</h1>
  </header>
  <section class="panel review-panel">
    <div class="review-addon">
      ${addonBadge(descriptor)}
      <div>
        <h2>${descriptor.name}</h2>
        <p>${descriptor.description}</p>
        <p class="muted">${vendor?.name ? `By ${vendor.name} · ` : ''}<span class="wrap">${spec.url}</span></p>
      </div>
    </div>
    <form method="post" action="/addons/install" class="stack">
      <input type="hidden" name="url" value="${spec.url}">
      <fieldset>
        <legend>Install for</legend>
        ${allowGlobal
          ? html`<label class="inline"><input type="radio" name="target" value="global" ${roomChosen ? '' : html`checked`}> Every room (global)</label>`
          : html`<p class="muted">This integration cannot be installed globally.</p>`}
        ${allowRoom
          ? html`<label class="inline"><input type="radio" name="target" value="room" ${roomChosen ? html`checked` : ''}> One room:</label>
        <select name="roomId" aria-label="Room">${rooms.map(
          (room) => html`<option value="${room.id}" ${room.id === spec.roomId ? html`selected` : ''}>${room.name}${room.privacy === 'private' ? ' (private)' : ''}</option>`,
        )}</select>`
          : html`<p class="muted">This integration cannot be installed in a single room.</p>`}
      </fieldset>
      <fieldset>
        <legend>${descriptor.name} will be able to</legend>
        ${spec.scopes.length === 0
          ? html`<p class="muted">It asks for no HipChat API access.</p>`
          : html`<ul class="scopes">${spec.scopes.map((scope) => html`<li><strong>${scope.name}</strong><span class="muted">${scope.description}</span></li>`)}</ul>`}
      </fieldset>
      <div class="row end">
        <a class="button button-subtle" href="/addons">Cancel</a>
        <button type="submit" class="button button-primary">Approve</button>
      </div>
    </form>
  </section>
</section>`;
}

export function configureMain(installation: Installation, src: string, world: World): SafeHtml {
  const room = installation.roomId === undefined ? undefined : world.rooms.get(installation.roomId);
  return html`<section class="configure" id="configure" data-oauth-id="${installation.oauthId}" ${
    installation.roomId === undefined ? '' : html`data-room-id="${installation.roomId}"`
  }>
  <header class="page-header">
    <p class="breadcrumbs"><a href="/addons">Integrations</a> › ${installation.descriptor.name}</p>
    <h1>${installation.descriptor.name}</h1>
    <nav class="tabs" aria-label="Integration"><span class="tab active" aria-current="page">Configure</span><span class="tab-note muted">${
      room ? `Installed in ${room.name}` : 'Installed globally'
    }</span></nav>
  </header>
  <iframe class="addon-frame" id="configure-frame" title="${installation.descriptor.name} configuration" src="${src}"></iframe>
</section>`;
}
