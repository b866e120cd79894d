import axios from 'axios';
import express from 'express';
import helmet from 'helmet';
import type { Server } from 'node:http';
import { sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { ConfigError, loadConfig, type Config } from './lib/config';
import { HipChatBudget } from './lib/hipchat/budget';
import { HipChatClient } from './lib/hipchat/client';
import { renderDescriptor } from './lib/hipchat/descriptor';
import { InstallationCache, type Installation } from './lib/hipchat/installations';
import { jwtMiddleware } from './lib/hipchat/jwt';
import type { LifecycleDeps } from './lib/hipchat/lifecycle';
import { RevocationWatch } from './lib/hipchat/revocation';
import { TokenCache } from './lib/hipchat/tokens';
import { createLogger, requestLogger, type Logger } from './lib/logger';
import { createCallbackCredentials } from './lib/security/callback-credentials';
import { createOutboundHttp } from './lib/security/outbound';
import { createSealer, resolveSecretsKey } from './lib/security/seal';
import { openDb, type Db } from './lib/store/db';
import { openChangeFeed } from './lib/store/change-feed';
import { SeenEventBatch } from './lib/store/seen-batch';
import { Housekeeper } from './lib/housekeeping';
import { CallbackAuthenticator } from './lib/security/callback-auth';
import { createRequestLimits } from './lib/security/request-limits';
import { oncallJobHandler, oncallWhoJobHandler } from './lib/invites/command';
import { commentJobHandler } from './lib/invites/timeline';
import { JoinIndex } from './lib/invites/join-index';
import { roomEventHandlers, userEnteredRoom } from './lib/invites/room-events';
import { answerClientError, errorHandler, notFound } from './routes/errors';
import type { HipChatLimits } from './lib/store/hipchat-calls';
import { hipchatChatPort } from './lib/hipchat/chat-port';
import { inviteJobHandlers, JOB_KINDS, type InviteDeps } from './lib/invites/service';
import { xmattersConnections } from './lib/invites/xmatters-target';
import { reconcileAtStart, reconcileJobHandler, responseJobHandler, type ResponseDeps } from './lib/invites/responses';
import { xmattersRoutes } from './routes/xmatters';
import { GLANCE_JOB, glanceJobHandler } from './lib/invites/glance';
import { NUDGE_JOB, nudgeJobHandler } from './lib/invites/nudge';
import { OutboxWorker, type WorkerOptions } from './lib/outbox/worker';
import { traceCalls } from './lib/outbox/call-trace';
import { pruneActivity } from './lib/store/activity';
import { WriteBatch } from './lib/store/write-batch';
import { configureRoutes } from './routes/configure';
import { inviteRoutes } from './routes/invite';
import { activityRoutes } from './routes/activity';
import { glanceRoutes } from './routes/glance';
import { lifecycleRoutes } from './routes/lifecycle';
import { jobCounter, opsRoutes, requestCounter } from './routes/ops';
import { webhookRoutes } from './routes/webhooks';
import { alertRoutes } from './routes/alerts';
import { alertJobHandlers } from './lib/alerts/jobs';
import { alertRetentionChore } from './lib/alerts/retention';
import { SourceCache } from './lib/alerts/source-cache';
import type { IntakeDeps } from './lib/alerts/intake';

const QUIET_PATHS = /^\/(webhooks\/|alerts\/|healthz|readyz|metrics)/;

export interface Addon {
  app: express.Express;
  db: Db;
  config: Config;
  log: Logger;
  installations: InstallationCache;
  tokens: TokenCache;
  revocation: RevocationWatch;
  worker: OutboxWorker;
  housekeeping: Housekeeper;
  inviteDeps: InviteDeps;
  /** Stops background work and closes the database. */
  close(): Promise<void>;
}

/** Composition root: config → store → clients → express app. */
export interface AddonOptions {
  /** Run the delivery queue's worker and the housekeeping in this process (default true). */
  startWorker?: boolean;
  worker?: Partial<Pick<WorkerOptions, 'pollMs' | 'leaseMs' | 'backoffBaseMs' | 'backoffMaxMs' | 'workerId'>>;
  /** HipChat's limits as kept (default HIPCHAT_LIMITS); tests shorten the windows. */
  hipchatLimits?: HipChatLimits;
}

const HOUSEKEEPING_EVERY_MS = 60_000;

export async function createAddon(config: Config, log: Logger = createLogger(config.logLevel), options: AddonOptions = {}): Promise<Addon> {
  const secretsKey = resolveSecretsKey(config.secretsKey, config.dataDir);
  const sealer = createSealer(secretsKey);
  const callbackCredentials = createCallbackCredentials(secretsKey);
  const xmattersHttp = createOutboundHttp({ allowedHosts: config.xmattersAllowedHosts, timeoutMs: config.xmattersTimeoutMs });
  const db = await openDb(config.database);
  const feed = await openChangeFeed(db, log.child({ component: 'change-feed' }));
  const descriptor = renderDescriptor(config.baseUrl);
  const scopes = descriptor.capabilities.hipchatApiConsumer.scopes;
  const hipchatHttp = axios.create({ timeout: config.hipchatTimeoutMs, maxRedirects: 0 });
  // The activity log's peer and status code of each delivery (lib/outbox/call-trace.ts).
  traceCalls(hipchatHttp, 'hipchat');
  traceCalls(xmattersHttp, 'xmatters');

  const installations = new InstallationCache(db, sealer);
  installations.follow(feed);
  const revocation = new RevocationWatch({ db, sealer, http: hipchatHttp, scopes, feed, log: log.child({ component: 'revocation' }), options: config.revocation });
  const tokens = new TokenCache(hipchatHttp, scopes, revocation);
  // Small transactions that arrive together share commits: the delivery queue's (leases settled, HipChat
  // calls counted) and the alert intake's.
  const writes = new WriteBatch(db);
  const budget = new HipChatBudget(db, log.child({ component: 'hipchat-budget' }), options.hipchatLimits, writes);
  const clientFor = (installation: Installation) => new HipChatClient(installation, tokens, hipchatHttp, budget.recordCall);
  const limits = createRequestLimits(config.unauthenticatedPerMinute);
  const jwt = jwtMiddleware({ installations, clientFor, onRejected: limits.failedAuth });
  const lifecycle: LifecycleDeps = { db, sealer, http: hipchatHttp, installations, tokens, revocation, feed, allowedHosts: config.hipchatAllowedHosts, scopes, log };

  const chat = hipchatChatPort({ installations, clientFor, fromName: descriptor.capabilities.hipchatApiConsumer.fromName ?? descriptor.name });
  const xmatters = xmattersConnections({
    db,
    sealer,
    callbackCredentials,
    http: xmattersHttp,
    allowedHosts: config.xmattersAllowedHosts,
    callbackUrl: `${config.baseUrl}/xmatters/callbacks`,
  });
  const joins = new JoinIndex({
    db,
    feed,
    log: log.child({ component: 'join-index' }),
    async recheck(enter) {
      const joined = await userEnteredRoom(inviteDeps, enter);
      if (joined.length) log.info({ joined, roomId: enter.roomId }, 'responder joined the room (entered just before the match was known here)');
    },
  });
  void joins.start();
  const inviteDeps: InviteDeps = {
    db,
    joins,
    seen: new SeenEventBatch(db),
    chat,
    xmattersFor: xmatters.targetFor,
    async roomLink(installationId, roomId) {
      const installation = await installations.get(installationId);
      return installation?.homepageUrl ? `${installation.homepageUrl.replace(/\/+$/, '')}/chat/room/${roomId}` : null;
    },
    wake: () => worker.wake(),
    eventConfirmMs: config.eventConfirmMs,
    reconcileEveryMs: config.reconcileEveryMs,
  };
  const responses: ResponseDeps = { ...inviteDeps, connectionFor: xmatters.connectionFor };
  const alertIntake: IntakeDeps = { db, wake: inviteDeps.wake, repeatNoticeMs: config.alertRepeatNoticeMs, writes };
  const handlers = {
    ...inviteJobHandlers(inviteDeps),
    ...alertJobHandlers(inviteDeps),
    [JOB_KINDS.response]: responseJobHandler(responses),
    [JOB_KINDS.oncall]: oncallJobHandler(responses),
    [JOB_KINDS.who]: oncallWhoJobHandler(responses),
    [JOB_KINDS.comment]: commentJobHandler(responses),
    [GLANCE_JOB]: glanceJobHandler({ db, chat }),
    [NUDGE_JOB]: nudgeJobHandler(inviteDeps),
    [JOB_KINDS.reconcile]: reconcileJobHandler(responses),
  };
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const countRequest = requestCounter(registry);
  const worker = new OutboxWorker({ db, handlers, budget, log: log.child({ component: 'outbox' }), leaseMs: config.outboxLeaseMs, writes, onSettled: jobCounter(registry), ...options.worker });
  const housekeeping = new Housekeeper(
    [{ name: 'revoked installations', run: () => revocation.sweep() }, alertRetentionChore(db), { name: 'old activity', run: () => pruneActivity(db) }],
    log.child({ component: 'housekeeping' }),
    HOUSEKEEPING_EVERY_MS,
  );
  if (options.startWorker !== false) {
    worker.start();
    housekeeping.start();
    // Responses xMatters could not deliver while this process was down are read back (E17).
    reconcileAtStart(responses).catch((err: unknown) => log.error({ err }, 'could not schedule the read-back of xMatters responses'));
  }

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);
  app.set('view engine', 'ejs');
  app.set('views', fileURLToPath(new URL('./views', import.meta.url)));
  app.use(requestLogger(app, log, { quietPaths: QUIET_PATHS, onDone: (req, res) => countRequest(req.method ?? '', req.route?.path ?? 'unmatched', res.statusCode) }));
  // Machine-to-machine endpoints first: their answers are JSON or empty, so the page headers below are
  // only cost on these hot paths. Webhooks are routed by the app itself, not through a nested router.
  webhookRoutes(app, { jwt, handlers: roomEventHandlers(responses) });
  app.use(xmattersRoutes({ responses, auth: new CallbackAuthenticator(db, feed), failedAuth: limits.failedAuth }));
  app.use(helmet({ contentSecurityPolicy: { directives: cspDirectives(config.hipchatAllowedHosts) }, frameguard: false }));
  // HipChat's own pages (another origin) show the add-on's avatar.
  app.use(
    '/public',
    express.static(fileURLToPath(new URL('./public', import.meta.url)), {
      maxAge: '1h',
      setHeaders: (res, path) => {
        if (path.includes(`${sep}img${sep}`)) res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
      },
    }),
  );

  app.use(opsRoutes({ db, registry }));
  app.use(lifecycleRoutes({ ...lifecycle, descriptor, limits }));
  app.use(configureRoutes({ jwt, db, sealer, callbackCredentials, xmattersHttp, config, feed }));
  app.use(
    alertRoutes({
      jwt,
      db,
      sealer,
      feed,
      baseUrl: config.baseUrl,
      intake: alertIntake,
      sources: new SourceCache(db, sealer, feed),
      installations,
      failedAuth: limits.failedAuth,
      roomLink: inviteDeps.roomLink,
    }),
  );
  app.use(activityRoutes({ jwt, db, wake: inviteDeps.wake }));
  app.use(inviteRoutes({ jwt, inviteDeps, xmatters }));
  app.use(glanceRoutes({ jwt, inviteDeps, xmatters }));
  app.get('/', (_req, res) => {
    res.render('placeholder', { title: descriptor.name, message: `${descriptor.description} Install it in HipChat from ${config.baseUrl}/atlassian-connect.json` });
  });

  app.use(notFound);
  app.use(errorHandler);

  return {
    app,
    db,
    config,
    log,
    installations,
    tokens,
    revocation,
    worker,
    housekeeping,
    inviteDeps,
    async close() {
      await housekeeping.stop();
      revocation.close();
      await worker.stop();
      await joins.close();
      await feed.close();
      await db.destroy();
    },
  };
}

/** Pages live in HipChat's iframes: only HipChat hosts may frame them and serve their scripts. */
function cspDirectives(hipchatHosts: string[]) {
  const sources = hipchatHosts.flatMap((h) => [`https://${h}`, `http://${h}`]);
  return {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'", ...sources],
    styleSrc: ["'self'", ...sources],
    imgSrc: ["'self'", 'data:', ...sources],
    connectSrc: ["'self'"],
    frameAncestors: ["'self'", ...sources],
    formAction: ["'self'"],
    upgradeInsecureRequests: null,
  };
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
  const addon = await createAddon(config);
  const server: Server = addon.app.listen(config.port, config.host, () => {
    addon.log.info({ url: config.baseUrl, descriptor: `${config.baseUrl}/atlassian-connect.json`, port: config.port }, 'add-on listening');
  });
  server.on('clientError', answerClientError);
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    addon.log.info({ signal }, 'shutting down');
    server.close(() => {
      addon.close().then(() => process.exit(0), () => process.exit(1));
    });
    server.closeIdleConnections();
    setTimeout(() => process.exit(1), 10_000).unref();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
