import { Router, type RequestHandler } from 'express';
import type { AxiosInstance } from 'axios';
import type { Config } from '../lib/config';
import { contextOf, signPageToken } from '../lib/hipchat/jwt';
import type { CallbackCredentialFactory } from '../lib/security/callback-credentials';
import type { Sealer } from '../lib/security/seal';
import type { Db } from '../lib/store/db';

/** The configure tab (HipChat's `configurable`). */
export interface ConfigureDeps {
  requireJwt: RequestHandler;
  db: Db;
  sealer: Sealer;
  callbackCredentials: CallbackCredentialFactory;
  /** SSRF-safe HTTP for the xMatters host an admin typed (XMATTERS_ALLOWED_HOSTS applied). */
  xmattersHttp: AxiosInstance;
  config: Pick<Config, 'baseUrl' | 'xmattersAllowedHosts'>;
}

export function configureRoutes(deps: ConfigureDeps): Router {
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
