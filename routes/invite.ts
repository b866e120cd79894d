import { Router, type RequestHandler } from 'express';
import { contextOf, signPageToken } from '../lib/hipchat/jwt';
import type { InviteDeps } from '../lib/invites/service';
import type { XMattersConnections } from '../lib/invites/xmatters-target';

/** The "+" dialog and its endpoints. */
export interface InviteRouteDeps {
  requireJwt: RequestHandler;
  inviteDeps: InviteDeps;
  xmatters: XMattersConnections;
}

export function inviteRoutes(deps: InviteRouteDeps): Router {
  const router = Router();
  router.get('/invite/dialog', deps.requireJwt, (req, res) => {
    const context = contextOf(req);
    res.render('placeholder', {
      title: 'Invite on-call responders',
      message: 'Inviting responders is not available yet.',
      pageToken: signPageToken(context),
      hipchatBase: context.installation.homepageUrl,
    });
  });
  return router;
}
