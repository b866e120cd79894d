import express, { Router } from 'express';
import type { Descriptor } from '../lib/hipchat/descriptor';
import { InstallRefused, installBody } from '../lib/hipchat/install';
import { install, uninstall, UninstallRefused, type LifecycleDeps } from '../lib/hipchat/lifecycle';
import { zodMessage } from './validation';

/** Descriptor, install and uninstall: the routes HipChat calls to manage the add-on. */
export function lifecycleRoutes(deps: LifecycleDeps & { descriptor: Descriptor }): Router {
  const router = Router();
  const callbackPath = new URL(deps.descriptor.capabilities.installable.callbackUrl).pathname;

  router.get('/atlassian-connect.json', (_req, res) => {
    res.set('Cache-Control', 'no-cache').json(deps.descriptor);
  });

  router.post(callbackPath, express.json({ limit: '16kb' }), async (req, res) => {
    const parsed = installBody.safeParse(req.body);
    if (!parsed.success) {
      res.status(400).type('text').send(`Invalid installation body: ${zodMessage(parsed.error)}`);
      return;
    }
    try {
      await install(deps, parsed.data);
      res.status(204).end();
    } catch (err) {
      if (!(err instanceof InstallRefused)) throw err;
      req.log.warn({ oauthId: parsed.data.oauthId, status: err.status, reason: err.message }, 'installation refused');
      res.status(err.status).type('text').send(err.message);
    }
  });

  router.delete(`${callbackPath}/:oauthId`, async (req, res) => {
    try {
      await uninstall(deps, req.params.oauthId);
      res.status(204).end();
    } catch (err) {
      if (!(err instanceof UninstallRefused)) throw err;
      req.log.warn({ oauthId: req.params.oauthId, reason: err.message }, 'uninstall refused');
      res.status(err.status).type('text').send(err.message);
    }
  });

  return router;
}
