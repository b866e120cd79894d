import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import express from 'express';
import { Activity } from './activity';
import { adminRouter } from './admin';
import { addonUiRouter } from './api/addon-ui';
import { authenticate } from './api/auth';
import { historyRouter } from './api/history';
import { roomMessageRouter } from './api/room-message';
import { roomNotificationRouter } from './api/room-notification';
import { roomsRouter } from './api/rooms';
import { tokenRouter } from './api/token';
import { usersRouter } from './api/users';
import { webhooksRouter } from './api/webhooks';
import { capabilitiesDocument } from './capabilities';
import type { WebhookEvent } from './descriptor';
import { ApiError, errorHandler, sendError } from './errors';
import { Events, type Delivery } from './events';
import { Faults } from './faults';
import { GlanceStore } from './glances';
import { Installer, type Installation, type InstallOutcome } from './installations';
import type { HttpOutcome } from './addon-http';
import { signHipChatJwt } from './jwt';
import { CallLog, WindowCounter } from './limits';
import { Notifier } from './notifications';
import { OAuthRegistry } from './oauth';
import { PersonalTokens } from './personal-tokens';
import { RoomIntegrations, type CreatedIntegration } from './room-integrations';
import { RoomWebhooks } from './room-webhooks';
import { World, type Privacy, type RoomNotification } from './state';
import { TokenStore } from './tokens';
import type { ScopeInfo } from './ui/deps';
import { chatUi } from './ui/index';
import { Views } from './views';

export interface HipChatSimOptions {
  port?: number;
  /** `expires_in` of granted tokens; 8 h by default, as current HipChat docs say (docs §3). */
  tokenLifetimeSeconds?: number;
  /** HipChat's rate limit and flood control (500 / 5 min per token, 30 / min per room); tests shorten the windows. */
  limits?: { rateLimit?: WindowLimit; floodControl?: WindowLimit };
}

export interface WindowLimit {
  limit: number;
  windowMs: number;
}

export interface HipChatSim {
  baseUrl: string;
  capabilitiesUrl: string;
  /** `links.api`: `${baseUrl}/v2`. */
  apiUrl: string;
  state: World;
  faults: Faults;
  installations: ReadonlyMap<string, Installation>;
  /** Glance content the add-ons pushed (`POST addon/ui/room/{roomId}`); the room's version counts the pushes. */
  glances: GlanceStore;
  install(descriptorUrl: string, opts?: { roomId?: number }): Promise<InstallOutcome>;
  uninstall(oauthId: string): Promise<HttpOutcome>;
  revoke(oauthId: string): void;
  /** Grants tokens again to a client removed by `revoke` or `uninstall`, with its old secret, as if the revocation had been a mistake. */
  restore(oauthId: string): void;
  signJwt(oauthId: string, subject: { userId: number; roomId?: number; expiresInSeconds?: number }): string;
  pageUrl(oauthId: string, url: string, subject: { userId: number; roomId?: number }): string;
  fireEvent(roomId: number, event: WebhookEvent, item: Record<string, unknown>): Promise<Delivery[]>;
  sendMessage(roomId: number, userId: number, text: string): Promise<{ messageId: string; deliveries: Delivery[] }>;
  enterRoom(roomId: number, userId: number): Promise<Delivery[]>;
  exitRoom(roomId: number, userId: number): Promise<Delivery[]>;
  setTopic(roomId: number, userId: number, topic: string): Promise<Delivery[]>;
  archiveRoom(roomId: number, userId?: number): Promise<Delivery[]>;
  unarchiveRoom(roomId: number, userId?: number): Promise<Delivery[]>;
  deleteRoom(roomId: number, userId?: number): Promise<Delivery[]>;
  createRoom(spec: { name: string; privacy?: Privacy; ownerId: number }): Promise<{ roomId: number; deliveries: Delivery[] }>;
  notifications(roomId: number): RoomNotification[];
  /** "Build your own integration" in a room: a room notification token and the URL to post to (as the Integrations page does). */
  createRoomIntegration(roomId: number, name: string, createdBy?: number): CreatedIntegration;
  /** Deletes it; its token answers 401 from then on. */
  deleteRoomIntegration(id: number): void;
  /** A personal access token of `userId` with `scopes` (as the account page does). */
  createPersonalToken(userId: number, label: string, scopes: string[]): { id: number; token: string };
  deletePersonalToken(userId: number, id: number): void;
  tokenRequests(oauthId: string): number;
  /** Authenticated REST calls received from an installation so far, refused ones included. */
  apiCalls(oauthId: string): number;
  /** 429s answered so far because a limit was reached (not the ones `faults.failNext` injects). */
  limitRefusals(): { rateLimit: number; floodControl: number };
  invalidateTokens(oauthId: string): void;
  setTokenLifetime(seconds: number): void;
  close(): Promise<void>;
}

const RATE_LIMIT: WindowLimit = { limit: 500, windowMs: 5 * 60_000 };
const addonSchemaText = readFileSync(new URL('./schema/addon-capabilities.schema.json', import.meta.url), 'utf8');
const FLOOD_CONTROL: WindowLimit = { limit: 30, windowMs: 60_000 };

/** Starts a simulated HipChat Cloud (API v2 and Connect) on 127.0.0.1. */
export async function startHipChatSim(opts: HipChatSimOptions = {}): Promise<HipChatSim> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const capabilitiesUrl = `${baseUrl}/v2/capabilities`;
  const apiUrl = `${baseUrl}/v2`;

  const world = new World();
  const views = new Views(world, apiUrl);
  const faults = new Faults();
  const tokens = new TokenStore();
  const oauth = new OAuthRegistry(tokens, opts.tokenLifetimeSeconds ?? 8 * 3600);
  const installer = new Installer(world, oauth, capabilitiesUrl);
  const roomWebhooks = new RoomWebhooks(() => installer.nextWebhookId());
  const integrations = new RoomIntegrations(world, tokens, apiUrl);
  const personalTokens = new PersonalTokens(world, tokens);
  const events = new Events(installer, roomWebhooks);
  const glances = new GlanceStore();
  const notifier = new Notifier(views, events);
  const activity = new Activity(world, views, events, notifier);

  const v2 = express.Router();
  v2.use(async (req, res, next) => {
    if (faults.unavailable) {
      sendError(res, 503, 'HipChat is temporarily unavailable (simulated outage)');
      return;
    }
    const failure = faults.drawRandom();
    if (failure?.kind === 'reset') {
      req.socket.destroy();
      return;
    }
    if (failure?.kind === '429') {
      res.set('Retry-After', String(failure.retryAfter));
      sendError(res, 429, 'You have exceeded the rate limit (simulated failure)');
      return;
    }
    if (failure?.kind === '5xx') {
      sendError(res, failure.status, `Simulated failure (HTTP ${failure.status})`);
      return;
    }
    // A timeout is done at once; its answer comes after the hang, when the client may have given up.
    if (failure?.kind === 'timeout') faults.holdAnswer(res, failure.hangMs);
    if (faults.latencyMs > 0) await sleep(faults.latencyMs);
    next();
  });
  v2.use(express.json(), express.urlencoded({ extended: false }), express.text({ type: ['text/plain', 'text/html'] }));
  v2.get('/capabilities', (_req, res) => {
    res.json(capabilitiesDocument(baseUrl));
  });
  // Without a token, as https://api.hipchat.com/v2/capabilities/addon/schema?draft=v4 was (mjhopkins/hipchat README).
  v2.get('/capabilities/addon/schema', (_req, res) => {
    res.type('json').send(addonSchemaText);
  });
  v2.use(tokenRouter(oauth, world, faults));
  const rateLimit = opts.limits?.rateLimit ?? RATE_LIMIT;
  const floodLimit = opts.limits?.floodControl ?? FLOOD_CONTROL;
  const rateWindows = new WindowCounter(rateLimit.limit, rateLimit.windowMs);
  const floodWindows = new WindowCounter(floodLimit.limit, floodLimit.windowMs);
  const calls = new CallLog();
  v2.use(authenticate(tokens, world, rateWindows, faults, calls));
  v2.use(
    roomsRouter(world, views, apiUrl),
    roomNotificationRouter({ world, notifier, faults, floodControl: floodWindows, integrations }),
    roomMessageRouter(world, activity),
    historyRouter(world, views, installer, apiUrl),
    webhooksRouter(world, views, roomWebhooks, apiUrl),
    addonUiRouter(world, installer, glances),
    usersRouter(world, views, apiUrl),
  );
  v2.use(() => {
    throw new ApiError(404, 'Resource not found');
  });

  const signJwt: HipChatSim['signJwt'] = (oauthId, subject) => {
    const { oauthSecret, roomId } = installer.get(oauthId);
    return signHipChatJwt(oauthId, oauthSecret, { ...subject, roomId: subject.roomId ?? roomId });
  };
  const pageUrl: HipChatSim['pageUrl'] = (oauthId, url, subject) => {
    const page = new URL(url);
    page.searchParams.set('signed_request', signJwt(oauthId, subject));
    return page.toString();
  };

  const app = express();
  app.disable('x-powered-by');
  app.use('/v2', v2);
  app.use('/_sim', express.json(), adminRouter(world, faults));
  app.use(
    chatUi({
      world,
      views,
      installer,
      oauth,
      integrations,
      personalTokens,
      activity,
      glances,
      scopes: capabilitiesDocument(baseUrl).capabilities.hipchatApiProvider.availableScopes as Record<string, ScopeInfo>,
      signJwt,
      pageUrl,
    }),
  );
  app.use(errorHandler);
  server.on('request', app);

  return {
    baseUrl,
    capabilitiesUrl,
    apiUrl,
    state: world,
    faults,
    installations: installer.installations,
    glances,
    install: (descriptorUrl, installOpts) => installer.install(descriptorUrl, installOpts),
    uninstall: (oauthId) => installer.uninstall(oauthId),
    revoke: (oauthId) => installer.revoke(oauthId),
    restore: (oauthId) => installer.restore(oauthId),
    signJwt,
    pageUrl,
    async fireEvent(roomId, event, item) {
      const records = await events.deliver(roomId, event, item);
      return records.map((record) => record.delivery);
    },
    sendMessage: (roomId, userId, text) => activity.sendMessage(roomId, userId, text),
    enterRoom: (roomId, userId) => activity.enterRoom(roomId, userId),
    exitRoom: (roomId, userId) => activity.exitRoom(roomId, userId),
    setTopic: (roomId, userId, topic) => activity.setTopic(roomId, userId, topic),
    archiveRoom: (roomId, userId) => activity.archiveRoom(roomId, userId),
    unarchiveRoom: (roomId, userId) => activity.unarchiveRoom(roomId, userId),
    deleteRoom: (roomId, userId) => activity.deleteRoom(roomId, userId),
    createRoom: (spec) => activity.createRoom(spec),
    notifications: (roomId) => [...(world.rooms.get(roomId)?.notifications ?? [])],
    createRoomIntegration: (roomId, name, createdBy = 1) => integrations.create(roomId, name, createdBy),
    deleteRoomIntegration: (id) => integrations.delete(id),
    createPersonalToken(userId, label, scopes) {
      const { record, token } = personalTokens.create(userId, label, scopes);
      return { id: record.id, token };
    },
    deletePersonalToken: (userId, id) => personalTokens.delete(userId, id),
    tokenRequests: (oauthId) => oauth.grantCount(oauthId),
    apiCalls: (oauthId) => calls.count(oauthId),
    limitRefusals: () => ({ rateLimit: rateWindows.refused, floodControl: floodWindows.refused }),
    invalidateTokens: (oauthId) => oauth.invalidateTokens(oauthId),
    setTokenLifetime(seconds) {
      oauth.tokenLifetimeSeconds = seconds;
    },
    async close() {
      faults.close();
      await events.settle();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
