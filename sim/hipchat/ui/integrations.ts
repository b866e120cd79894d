import express, { Router, type Request, type Response } from 'express';
import { fetchDescriptor, type Descriptor } from '../descriptor';
import type { User } from '../state';
import { mayConfigure, mayInstall } from './access';
import type { UiDeps } from './deps';
import { UiError } from './errors';
import { html, type SafeHtml } from './html';
import { configureMain, installForm, integrationsMain, reviewMain } from './integrations-page';
import { page } from './layout';
import { safeUrl } from './sanitize';
import { currentUser, type Notice } from './session';

const form = express.urlencoded({ extended: false, limit: '16kb' });

/** Integrations: install from a descriptor URL (group admins), configure tabs, uninstall. */
export function integrationsRouter(deps: UiDeps): Router {
  const { world, installer, sessions } = deps;
  const router = Router();

  router.get('/addons', (req, res) => {
    const user = currentUser(req, world);
    const main = integrationsMain(world, user, [...installer.installations.values()], deps.integrations.list(), roomParam(req.query.room));
    send(res, user, req, main, sessions.takeNotice(user.id));
  });

  /** HipChat's install link (`/addons/install?url=`, docs §2): fetch, validate, review. */
  router.get('/addons/install', async (req, res) => {
    const user = adminOnly(req);
    const url = typeof req.query.url === 'string' ? req.query.url.trim() : '';
    const roomId = roomParam(req.query.room);
    const checked = await check(url);
    if (!checked.ok) {
      res.status(400);
      send(res, user, req, html`<header class="page-header"><p class="breadcrumbs"><a href="/addons">Integrations</a> › Install</p><h1>Install an integration</h1></header>${installForm(url, roomId)}`, checked.notice);
      return;
    }
    send(res, user, req, reviewMain({ url, descriptor: checked.descriptor, scopes: scopesOf(checked.descriptor), world, roomId }));
  });

  router.post('/addons/install', form, async (req, res) => {
    const user = adminOnly(req);
    const body = req.body as Record<string, unknown>;
    const url = typeof body.url === 'string' ? body.url.trim() : '';
    const roomId = body.target === 'room' ? roomParam(body.roomId) : undefined;
    if (body.target === 'room' && roomId === undefined) throw new UiError(400, 'Choose the room to install into');
    const checked = await check(url, { roomId });
    if (!checked.ok) {
      res.status(400);
      send(res, user, req, html`<header class="page-header"><h1>Install an integration</h1></header>${installForm(url, roomId)}`, checked.notice);
      return;
    }
    const outcome = await installer.install(url, roomId === undefined ? {} : { roomId });
    if (outcome.installation) {
      const where = roomId === undefined ? 'globally' : `in ${world.room(roomId).name}`;
      sessions.notify(user.id, { kind: 'success', text: `${checked.descriptor.name} is installed ${where}.` });
      res.redirect(303, '/addons');
      return;
    }
    const notice: Notice = {
      kind: 'error',
      text:
        outcome.status === 0
          ? `${checked.descriptor.name} was not installed: its install callback did not answer.`
          : `${checked.descriptor.name} refused the installation: its install callback answered HTTP ${outcome.status}.`,
      detail: outcome.body || '(empty body)',
    };
    res.status(502);
    send(res, user, req, reviewMain({ url, descriptor: checked.descriptor, scopes: scopesOf(checked.descriptor), world, roomId }), notice);
  });

  router.get('/addons/:oauthId/configure', (req, res) => {
    const user = currentUser(req, world);
    const installation = installer.installations.get(req.params.oauthId);
    if (!installation) throw new UiError(404, 'That integration is not installed');
    if (!mayConfigure(installation, user, world)) throw new UiError(403, `Only group admins${installation.roomId === undefined ? '' : ' (or the room owner, if the add-on allows it)'} can configure ${installation.descriptor.name}`);
    const configurable = installation.descriptor.capabilities?.configurable;
    const location = configurable ? safeUrl(configurable.url) : undefined;
    if (!configurable || !location) throw new UiError(404, `${installation.descriptor.name} has no configuration page`);
    const subject = { userId: user.id, ...(installation.roomId === undefined ? {} : { roomId: installation.roomId }) };
    const src = configurable.authentication === 'none' ? location : deps.pageUrl(installation.oauthId, location, subject);
    const main = configureMain(installation, src, world);
    send(res, user, req, main, sessions.takeNotice(user.id), ['configure.js']);
  });

  router.post('/addons/:oauthId/uninstall', async (req, res) => {
    const user = adminOnly(req);
    const installation = installer.installations.get(req.params.oauthId);
    if (!installation) throw new UiError(404, 'That integration is not installed');
    const outcome = await installer.uninstall(installation.oauthId);
    const name = installation.descriptor.name;
    sessions.notify(
      user.id,
      outcome.status >= 200 && outcome.status < 300
        ? { kind: 'success', text: `${name} is uninstalled.` }
        : {
            kind: 'info',
            text: `${name} is uninstalled from HipChat, but the add-on ${outcome.status === 0 ? 'did not answer' : `answered HTTP ${outcome.status}`} to the uninstall request.`,
            detail: outcome.body || '(empty body)',
          },
    );
    res.redirect(303, '/addons');
  });

  function adminOnly(req: Request): User {
    const user = currentUser(req, world);
    if (!mayInstall(user)) throw new UiError(403, `Only group admins can install or uninstall integrations; you are signed in as ${user.name}`);
    return user;
  }

  /** The descriptor, valid and installable where asked; otherwise why not, as HipChat would say it. */
  async function check(url: string, target?: { roomId: number | undefined }): Promise<{ ok: true; descriptor: Descriptor } | { ok: false; notice: Notice }> {
    if (!safeUrl(url)) return { ok: false, notice: { kind: 'error', text: 'Enter the descriptor URL: an absolute http(s) URL.' } };
    const fetched = await fetchDescriptor(url);
    if (!fetched.ok) {
      const [first, ...rest] = fetched.message.split('\n');
      return { ok: false, notice: { kind: 'error', text: first ?? fetched.message, ...(rest.length > 0 ? { detail: rest.join('\n') } : {}) } };
    }
    const { descriptor } = fetched;
    const installable = descriptor.capabilities?.installable ?? {};
    const allowRoom = installable.allowRoom !== false;
    const allowGlobal = installable.allowGlobal !== false;
    const refusal = !installable.callbackUrl
      ? `${descriptor.name} has no installable.callbackUrl; this simulator only performs server-side installation.`
      : !allowRoom && !allowGlobal
        ? `${descriptor.name} can be installed neither globally nor in a room (installable.allowGlobal and allowRoom are false).`
        : target && target.roomId !== undefined && !allowRoom
          ? `${descriptor.name} cannot be installed in a single room (installable.allowRoom is false).`
          : target && target.roomId === undefined && !allowGlobal
            ? `${descriptor.name} cannot be installed globally (installable.allowGlobal is false).`
            : undefined;
    return refusal ? { ok: false, notice: { kind: 'error', text: refusal } } : { ok: true, descriptor };
  }

  function scopesOf(descriptor: Descriptor) {
    return (descriptor.capabilities?.hipchatApiConsumer?.scopes ?? []).map((scope) => deps.scopes[scope] ?? { id: scope, name: scope, description: '' });
  }

  function roomParam(value: unknown): number | undefined {
    const id = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : undefined;
    return id !== undefined && world.rooms.has(id) ? id : undefined;
  }

  function send(res: Response, user: User, req: Request, main: SafeHtml, notice?: Notice, scripts?: string[]): void {
    res.type('html').send(page({ title: 'Integrations', world, user, section: 'integrations', notice, main, path: req.originalUrl, ...(scripts ? { scripts } : {}) }).value);
  }

  return router;
}
