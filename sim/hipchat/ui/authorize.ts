import express, { Router, type Request, type Response } from 'express';
import type { Installation } from '../installations';
import type { User } from '../state';
import { consentMain, type ConsentRequest } from './authorize-page';
import type { UiDeps } from './deps';
import { UiError } from './errors';
import { contentSecurityPolicy } from './csp';
import { page } from './layout';
import { currentUser } from './session';

const form = express.urlencoded({ extended: false, limit: '16kb' });

type Checked = { ok: true; installation: Installation; request: ConsentRequest; redirectTo: string } | { ok: false; redirect: URL };

/**
 * `GET /users/authorize`, the capabilities document's `oauth2Provider.authorizationUrl` (docs §2; DAC
 * `hipchat-rest-api-access-tokens`: "used by the add-on to obtain authorization from users to act on
 * their behalf"), as a standard OAuth2 authorization endpoint (golang/oauth2 `hipchat/hipchat.go`;
 * RFC 6749 §4.1): `response_type=code`, `client_id` (the oauthId), `redirect_uri` (one of the
 * descriptor's `oauth2Consumer.redirectionUrls`), `scope`, `state`. The signed-in user approves or
 * denies; the browser goes back to `redirect_uri` with `code` (or `error`) and `state`.
 */
export function authorizeRouter(deps: UiDeps): Router {
  const { world, installer, oauth } = deps;
  const router = Router();

  router.get('/users/authorize', (req, res) => {
    const user = currentUser(req, world);
    const checked = check(req.query as Record<string, unknown>);
    if (!checked.ok) {
      res.redirect(303, checked.redirect.toString());
      return;
    }
    const scopes = checked.request.scopes.map((scope) => deps.scopes[scope] ?? { id: scope, name: scope, description: '' });
    res.set('Content-Security-Policy', contentSecurityPolicy([], [new URL(checked.redirectTo).origin]));
    send(res, req, user, checked.installation, consentMain(checked.installation.descriptor, user, checked.request, scopes));
  });

  router.post('/users/authorize', form, (req, res) => {
    const user = currentUser(req, world);
    const body = req.body as Record<string, unknown>;
    const checked = check({ ...body, response_type: 'code', redirect_uri: body.redirect_uri === '' ? undefined : body.redirect_uri });
    if (!checked.ok) {
      res.redirect(303, checked.redirect.toString());
      return;
    }
    const back = new URL(checked.redirectTo);
    if (body.decision === 'approve') {
      const given = checked.request.redirectUri === '' ? undefined : checked.request.redirectUri;
      back.searchParams.set('code', oauth.authorize(checked.installation.oauthId, user.id, checked.request.scopes, given));
    } else {
      back.searchParams.set('error', 'access_denied');
    }
    if (checked.request.state) back.searchParams.set('state', checked.request.state);
    res.redirect(303, back.toString());
  });

  /** Client and redirect URI problems are shown here (RFC 6749 §4.1.2.1: never redirect to an unchecked URI); the rest go back. */
  function check(query: Record<string, unknown>): Checked {
    const text = (name: string) => (typeof query[name] === 'string' ? (query[name] as string) : undefined);
    const clientId = text('client_id') ?? '';
    const installation = installer.installations.get(clientId);
    if (!installation) throw new UiError(400, `There is no integration with client_id ${JSON.stringify(clientId)}; it may have been uninstalled`);
    const registered = redirectionUrls(installation);
    if (registered.length === 0) throw new UiError(400, `${installation.descriptor.name} declares no oauth2Consumer.redirectionUrls, so it cannot ask users for authorization`);
    const given = text('redirect_uri');
    if (given === undefined && registered.length > 1) throw new UiError(400, `redirect_uri is required: ${installation.descriptor.name} declares several redirection URLs`);
    const redirectTo = given ?? registered[0]!;
    if (!registered.includes(redirectTo)) throw new UiError(400, `redirect_uri ${redirectTo} is not one of ${installation.descriptor.name}'s oauth2Consumer.redirectionUrls`);
    const state = text('state') ?? '';
    const refuse = (error: string, description: string): Checked => {
      const redirect = new URL(redirectTo);
      redirect.searchParams.set('error', error);
      redirect.searchParams.set('error_description', description);
      if (state) redirect.searchParams.set('state', state);
      return { ok: false, redirect };
    };
    if (text('response_type') !== 'code') return refuse('unsupported_response_type', 'response_type must be code');
    const allowed = installation.descriptor.capabilities?.hipchatApiConsumer?.scopes ?? [];
    const requested = (text('scope') ?? '').split(/\s+/).filter(Boolean);
    const scopes = requested.length > 0 ? [...new Set(requested)] : allowed;
    const outside = scopes.filter((scope) => !allowed.includes(scope));
    if (outside.length > 0 || scopes.length === 0) return refuse('invalid_scope', `Not among the add-on's scopes: ${outside.join(' ') || '(none requested)'}`);
    return { ok: true, installation, redirectTo, request: { clientId, redirectUri: given ?? '', scopes, state } };
  }

  function send(res: Response, req: Request, user: User, installation: Installation, main: ReturnType<typeof consentMain>): void {
    res.set('Cache-Control', 'no-store').type('html').send(
      page({ title: `Authorize ${installation.descriptor.name}`, world, user, section: 'integrations', main, path: req.originalUrl }).value,
    );
  }

  return router;
}

function redirectionUrls(installation: Installation): string[] {
  const consumer = installation.descriptor.capabilities?.oauth2Consumer as { redirectionUrls?: unknown } | undefined;
  return Array.isArray(consumer?.redirectionUrls) ? consumer.redirectionUrls.filter((url): url is string => typeof url === 'string') : [];
}
