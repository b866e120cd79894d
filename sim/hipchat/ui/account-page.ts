import { PERSONAL_SCOPES, type PersonalToken } from '../personal-tokens';
import type { User } from '../state';
import type { ScopeInfo } from './deps';
import { html, type SafeHtml } from './html';
import { clock } from './layout';

/** The account's API access page: create a personal token with a label and scopes, list, delete. */
export function accountMain(user: User, tokens: PersonalToken[], scopes: Readonly<Record<string, ScopeInfo>>, created?: { record: PersonalToken; token: string }): SafeHtml {
  return html`<section class="integrations account">
  <header class="page-header">
    <h1>API access</h1>
    <p class="muted">Personal access tokens call the HipChat REST API as you, ${user.name}, with the scopes you choose.</p>
  </header>
  ${created
    ? html`<div class="notice notice-success" role="status">
    <p>Your new token “${created.record.label}” (copy it now, it is not shown again):</p>
    <pre class="wrap" id="new-token">${created.token}</pre>
  </div>`
    : ''}
  <section class="panel" aria-labelledby="create-token-heading">
    <h2 id="create-token-heading">Create new token</h2>
    <form method="post" action="/account/api" class="stack">
      <label>Label <input name="label" required maxlength="50" autocomplete="off"></label>
      <fieldset>
        <legend>Scopes</legend>
        ${PERSONAL_SCOPES.map((scope) => {
          const info = scopes[scope];
          return html`<label class="inline"><input type="checkbox" name="scopes" value="${scope}"> <strong>${info?.name ?? scope}</strong> <span class="muted">${info?.description ?? ''}</span></label>`;
        })}
      </fieldset>
      <div class="row end"><button type="submit" class="button button-primary">Create</button></div>
    </form>
  </section>
  <section class="panel" aria-labelledby="tokens-heading">
    <h2 id="tokens-heading">Your tokens <span class="count">${tokens.length}</span></h2>
    ${tokens.length === 0
      ? html`<p class="muted">You have no personal tokens.</p>`
      : html`<ul class="installed">${tokens.map(
          (token) => html`<li class="installed-row" data-token-id="${token.id}">
        <div class="installed-main">
          <h3>${token.label}</h3>
          <p class="facts"><span>${token.scopes.join(', ')}</span><span>…${token.tokenHint}</span><span>Created ${token.created.slice(0, 10)} at ${clock(token.created)} UTC</span></p>
        </div>
        <div class="installed-actions"><form method="post" action="/account/api/${token.id}/delete"><button type="submit" class="button button-danger">Delete</button></form></div>
      </li>`,
        )}</ul>`}
  </section>
</section>`;
}
