import { Router, type RequestHandler } from 'express';
import { contextOf, signPageToken } from '../lib/hipchat/jwt';

/** The "+" dialog and its endpoints. */
export function inviteRoutes(deps: { requireJwt: RequestHandler }): Router {
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
