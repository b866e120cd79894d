import express, { Router, type RequestHandler } from 'express';
import { AddonError } from '../lib/errors';
import type { Descriptor } from '../lib/hipchat/descriptor';
import { installBody } from '../lib/hipchat/install';
import { install, uninstall, type LifecycleDeps } from '../lib/hipchat/lifecycle';
import { zodMessage } from './validation';

export interface LifecycleRouteDeps extends LifecycleDeps {
  descriptor: Descriptor;
  /** Per-address limits: anyone can call these, and each call makes the add-on call HipChat. */
  limits: { install: RequestHandler; uninstall: RequestHandler };
}

/** Descriptor, install and uninstall: the routes HipChat calls to manage the add-on. */
export function lifecycleRoutes(deps: LifecycleRouteDeps): Router {
  const router = Router();
  const callbackPath = new URL(deps.descriptor.capabilities.installable.callbackUrl).pathname;

  router.get('/atlassian-connect.json', (_req, res) => {
    res.set('Cache-Control', 'no-cache').json(deps.descriptor);
  });

  router.post(callbackPath, deps.limits.install, express.json({ limit: '16kb' }), async (req, res) => {
    const parsed = installBody.safeParse(req.body);
    if (!parsed.success) throw new AddonError(400, 'invalid_installation', `Invalid installation body: ${zodMessage(parsed.error)}`, { retryable: false });
    await install(deps, parsed.data);
    res.status(204).end();
  });

  router.delete(`${callbackPath}/:oauthId`, deps.limits.uninstall, async (req, res) => {
    const oauthId = String(req.params.oauthId);
    if (!/^[A-Za-z0-9._-]{1,100}$/.test(oauthId)) throw new AddonError(404, 'not_found', 'No installation has that oauthId.');
    await uninstall(deps, oauthId);
    res.status(204).end();
  });

  return router;
}
