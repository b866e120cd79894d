import express, { Router, type Request, type Response } from 'express';
import type { PersonalToken } from '../personal-tokens';
import type { User } from '../state';
import { accountMain } from './account-page';
import type { UiDeps } from './deps';
import { UiError } from './errors';
import { page } from './layout';
import { currentUser } from './session';

const form = express.urlencoded({ extended: false, limit: '16kb' });

/** `/account/api`, where HipChat users made personal access tokens (hipchat/hipchat-rb#136). */
export function accountRouter(deps: UiDeps): Router {
  const { world, personalTokens, sessions } = deps;
  const router = Router();

  router.get('/account/api', (req, res) => {
    const user = currentUser(req, world);
    send(res, req, user);
  });

  router.post('/account/api', form, (req, res) => {
    const user = currentUser(req, world);
    const body = req.body as Record<string, unknown>;
    const label = typeof body.label === 'string' ? body.label.trim() : '';
    const scopes = ([] as unknown[]).concat(body.scopes ?? []).filter((scope): scope is string => typeof scope === 'string');
    if (label.length < 1 || label.length > 50) throw new UiError(400, 'Give the token a label of 1 to 50 characters');
    if (scopes.length === 0) throw new UiError(400, 'Choose at least one scope');
    let created: { record: PersonalToken; token: string };
    try {
      created = personalTokens.create(user.id, label, scopes);
    } catch (err) {
      throw new UiError(400, (err as Error).message);
    }
    res.set('Cache-Control', 'no-store');
    send(res, req, user, created);
  });

  router.post('/account/api/:id/delete', (req, res) => {
    const user = currentUser(req, world);
    const id = Number(req.params.id);
    const label = personalTokens.list(user.id).find((token) => token.id === id)?.label;
    if (label === undefined) throw new UiError(404, 'You have no such token');
    personalTokens.delete(user.id, id);
    sessions.notify(user.id, { kind: 'success', text: `The token “${label}” is deleted.` });
    res.redirect(303, '/account/api');
  });

  function send(res: Response, req: Request, user: User, created?: { record: PersonalToken; token: string }): void {
    const main = accountMain(user, personalTokens.list(user.id), deps.scopes, created);
    res.type('html').send(page({ title: 'API access', world, user, section: 'account', notice: sessions.takeNotice(user.id), main, path: req.path }).value);
  }

  return router;
}
