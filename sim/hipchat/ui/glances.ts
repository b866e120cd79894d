import { glanceModules, type GlanceContent, type GlanceStore } from '../glances';
import type { Installation } from '../installations';
import type { Room, User } from '../state';
import { html, type SafeHtml } from './html';
import { conditionsHold } from './modules';
import { CARD_POLICY, safeUrl, sanitizeHtml } from './sanitize';

/** A glance as the room's sidebar shows it (DAC glances: icon from the descriptor, label and status from the add-on). */
export interface GlanceView {
  oauthId: string;
  key: string;
  name: string;
  icon: string | undefined;
  /** `queryUrl` with a `signed_request` for this user and room; the browser fetches it cross-origin. */
  queryUrl: string | undefined;
  opens: boolean;
  /** The last content the add-on pushed for this room, if any. */
  pushed: { version: number; html: SafeHtml } | undefined;
}

export interface GlanceContext {
  room: Room;
  user: User;
  store: GlanceStore;
  pageUrl(oauthId: string, url: string, subject: { userId: number; roomId?: number }): string;
}

/** The glances of the installations covering the room, by weight (default 100), whose conditions hold. */
export function roomGlances(installations: Installation[], { room, user, store, pageUrl }: GlanceContext): GlanceView[] {
  const found = installations.flatMap((installation) =>
    glanceModules(installation.descriptor)
      .filter((glance) => conditionsHold(glance.conditions, room, user))
      .map((glance) => {
        const query = glance.queryUrl === undefined ? undefined : safeUrl(glance.queryUrl);
        const pushed = store.get(room.id, installation.oauthId, glance.key);
        const view: GlanceView = {
          oauthId: installation.oauthId,
          key: glance.key,
          name: glance.name.value,
          icon: safeUrl(glance.icon.url),
          queryUrl: query === undefined ? undefined : pageUrl(installation.oauthId, query, { userId: user.id, roomId: room.id }),
          opens: glance.target !== undefined,
          pushed: pushed ? { version: pushed.version, html: glanceContentHtml(pushed.content) } : undefined,
        };
        return { weight: glance.weight ?? 100, view };
      }),
  );
  return found.sort((a, b) => a.weight - b.weight).map((entry) => entry.view);
}

/** What the room feed carries: the pushed content of the room's glances, rendered. */
export function pushedGlances(installations: Installation[], room: Room, user: User, store: GlanceStore) {
  return installations.flatMap((installation) =>
    glanceModules(installation.descriptor)
      .filter((glance) => conditionsHold(glance.conditions, room, user))
      .flatMap((glance) => {
        const pushed = store.get(room.id, installation.oauthId, glance.key);
        return pushed ? [{ oauthId: installation.oauthId, key: glance.key, version: pushed.version, html: glanceContentHtml(pushed.content).value }] : [];
      }),
  );
}

const LOZENGE_CLASS: Record<string, string> = {
  default: 'lozenge',
  success: 'lozenge lozenge-success',
  error: 'lozenge lozenge-error',
  current: 'lozenge lozenge-current',
  new: 'lozenge lozenge-new',
  complete: 'lozenge lozenge-complete',
  moved: 'lozenge lozenge-moved',
};

/** Label HTML curated like card HTML (a, b, i, strong, span), then the lozenge or status icon. */
export function glanceContentHtml(content: GlanceContent): SafeHtml {
  const status = content.status;
  const icon = status?.type === 'icon' ? safeUrl(status.value.url) : undefined;
  return html`<span class="glance-label">${sanitizeHtml(content.label.value, CARD_POLICY)}</span>${
    status?.type === 'lozenge'
      ? html`<span class="${LOZENGE_CLASS[status.value.type] ?? 'lozenge'}">${status.value.label}</span>`
      : icon
        ? html`<img class="glance-status-icon" src="${icon}" alt="">`
        : ''
  }`;
}

/** The sidebar's glance list and the web panel view a glance opens (filled by glances.js). */
export function glancesPanel(glances: GlanceView[]): SafeHtml {
  if (glances.length === 0) return html``;
  return html`<section class="panel glances" id="glances" aria-labelledby="glances-heading">
  <h2 id="glances-heading">Glances</h2>
  <ul class="glance-list" id="glance-list">
    ${glances.map(
      (glance) => html`<li><button type="button" class="glance" data-oauth-id="${glance.oauthId}" data-key="${glance.key}" data-name="${glance.name}" data-version="${glance.pushed?.version ?? 0}" ${
        glance.queryUrl ? html`data-query-url="${glance.queryUrl}"` : ''
      } ${glance.opens ? '' : html`disabled`}>
      ${glance.icon ? html`<img class="glance-icon" src="${glance.icon}" alt="">` : html`<span class="glance-icon" aria-hidden="true"></span>`}
      <span class="glance-content">${glance.pushed ? glance.pushed.html : html`<span class="glance-label">${glance.name}</span>`}</span>
    </button></li>`,
    )}
  </ul>
  <div class="glance-view" id="glance-view" hidden>
    <header class="glance-view-header"><button type="button" class="button button-subtle" id="glance-back" aria-label="Back to the glances">‹</button><h3 id="glance-view-title"></h3></header>
    <div class="glance-view-body" id="glance-view-body"></div>
  </div>
</section>`;
}
