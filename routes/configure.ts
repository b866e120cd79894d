import { Router, type RequestHandler } from 'express';
import { contextOf, signPageToken } from '../lib/hipchat/jwt';

/** The configure tab (HipChat's `configurable`). */
export function configureRoutes(deps: { requireJwt: RequestHandler }): Router {
  const router = Router();
  router.get('/configure', deps.requireJwt, (req, res) => {
    const context = contextOf(req);
    res.render('placeholder', {
      title: 'xMatters settings',
      message: 'xMatters settings are not available yet.',
      pageToken: signPageToken(context),
      hipchatBase: context.installation.homepageUrl,
    });
  });
  return router;
}
