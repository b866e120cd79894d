import type { Descriptor } from '../descriptor';
import type { User } from '../state';
import type { ScopeInfo } from './deps';
import { html, type SafeHtml } from './html';
import { addonIcon } from './modules';

export interface ConsentRequest {
  clientId: string;
  /** As the authorization request gave it ('' when it gave none). */
  redirectUri: string;
  scopes: string[];
  state: string;
}

/** The `authorizationUrl` page: an add-on asks to act on the user's behalf with these scopes. */
export function consentMain(descriptor: Descriptor, user: User, request: ConsentRequest, scopes: ScopeInfo[]): SafeHtml {
  const icon = addonIcon(descriptor);
  const hidden = (name: string, value: string) => html`<input type="hidden" name="${name}" value="${value}">`;
  return html`<section class="review consent">
  <header class="page-header"><h1>Allow ${descriptor.name} to act for you?</h1></header>
  <section class="panel review-panel">
    <div class="review-addon">
      <span class="addon-badge" aria-hidden="true">${descriptor.name.slice(0, 1).toUpperCase()}${icon ? html`<img src="${icon}" alt="">` : ''}</span>
      <div><h2>${descriptor.name}</h2><p>${descriptor.description}</p></div>
    </div>
    <p>${descriptor.name} is asking to use HipChat as you, ${user.name}. It will be able to:</p>
    <ul class="scopes">${scopes.map((scope) => html`<li><strong>${scope.name}</strong><span class="muted">${scope.description}</span></li>`)}</ul>
    <form method="post" action="/users/authorize" class="row end">
      ${hidden('client_id', request.clientId)}${hidden('redirect_uri', request.redirectUri)}${hidden('scope', request.scopes.join(' '))}${hidden('state', request.state)}
      <button type="submit" name="decision" value="deny" class="button button-subtle">Deny</button>
      <button type="submit" name="decision" value="approve" class="button button-primary">Approve</button>
    </form>
  </section>
</section>`;
}
