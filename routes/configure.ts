import express, { Router } from 'express';
import type { AxiosInstance } from 'axios';
import { z } from 'zod';
import type { Config } from '../lib/config';
import type { HipChatRoom } from '../lib/hipchat/client';
import { HipChatApiError } from '../lib/hipchat/errors';
import { contextOf, signPageToken, type HipChatContext, type JwtMiddleware } from '../lib/hipchat/jwt';
import { page } from './errors';
import { configureAccess, requireEditor as requireEditorOf, type ConfigureAccess } from '../lib/hipchat/permissions';
import { CALLBACK_CREDENTIALS_TOPIC } from '../lib/security/callback-auth';
import type { CallbackCredentialFactory } from '../lib/security/callback-credentials';
import type { ChangeFeed } from '../lib/store/change-feed';
import { chooseInviteUrl, hasMaskedApiKey, sealInviteUrl } from '../lib/security/invite-url-secret';
import type { Sealer } from '../lib/security/seal';
import type { Db } from '../lib/store/db';
import {
  addCallbackCredentials,
  findSettings,
  findStoredSettings,
  MAX_NEXT_GROUPS,
  NUDGE_MINUTES_RANGE,
  replaceCallbackPassword,
  saveSettings,
  type ChangedBy,
  type SettingsView,
  type StoredSettings,
} from '../lib/store/settings';
import { createXMattersClient, type AuthenticationResult } from '../lib/xmatters/client';
import { buildCommunicationPlan } from '../lib/xmatters/plan';
import type { XMattersErrorCode } from '../lib/xmatters/errors';
import { parseHostname, type Scheme } from '../lib/xmatters/hostname';
import { validateInviteUrl } from '../lib/xmatters/invite-url';
import { AddonError } from '../lib/errors';
import { DEFAULT_ANSWERS, MAX_ANSWER_LENGTH, MAX_ANSWERS } from '../lib/invites/answers';
import { BROKEN_TEXT, isWellFormedText } from '../lib/text';
import { api, parseInput, text } from './api';

/** The configure tab (HipChat's `configurable`). */
export interface ConfigureDeps {
  jwt: JwtMiddleware;
  db: Db;
  sealer: Sealer;
  callbackCredentials: CallbackCredentialFactory;
  /** SSRF-safe HTTP for the xMatters host an admin typed (XMATTERS_ALLOWED_HOSTS applied). */
  xmattersHttp: AxiosInstance;
  config: Pick<Config, 'baseUrl' | 'xmattersAllowedHosts'>;
  /** Tells every instance that callback credentials changed. */
  feed: ChangeFeed;
}

type Field = 'hostname' | 'username' | 'password' | 'inviteUrl';

const bodyError = { error: 'The request body must be a JSON object sent as application/json' };

const credentialsBody = z.object(
  {
    hostname: text('The xMatters hostname').trim().min(1, 'Enter the xMatters hostname').max(300, 'The hostname is at most 300 characters'),
    username: text('The username').trim().min(1, 'Enter the username of the integration user').max(255, 'The username is at most 255 characters'),
    /** Empty keeps the saved password. Not trimmed: spaces may belong to it. */
    password: text('The password').max(1024, 'The password is at most 1024 characters'),
  },
  bodyError,
);
const answers = (label: string) =>
  z
    .array(text(label).trim().min(1, `${label}: a phrase is empty`).max(MAX_ANSWER_LENGTH, `${label}: each phrase is at most ${MAX_ANSWER_LENGTH} characters`).refine(isWellFormedText, `${label} ${BROKEN_TEXT}`), {
      error: `${label} must be a list of phrases`,
    })
    .max(MAX_ANSWERS, `${label}: at most ${MAX_ANSWERS} phrases`);
const settingsBody = credentialsBody.extend({
  /** Empty: save the connection only (the callback credentials and the plan come with it); invites wait for the URL. */
  inviteUrl: text('The Invite to Room URL').trim().max(2000, 'The Invite to Room URL is at most 2000 characters').default(''),
  /** Off unless sent: responders are matched to HipChat users by e-mail address only. */
  matchMentionNames: z.boolean({ error: 'matchMentionNames must be true or false' }).default(false),
  /** Both on unless sent off: the room and its xMatters event share one timeline while an invite is active. */
  roomToXmatters: z.boolean({ error: 'roomToXmatters must be true or false' }).default(true),
  xmattersToRoom: z.boolean({ error: 'xmattersToRoom must be true or false' }).default(true),
  /** Sent: replaces the list (empty: the defaults); absent: the saved list stays. */
  acceptAnswers: answers('Answers that mean yes').optional(),
  declineAnswers: answers('Answers that mean no').optional(),
  /** The room panel's "Invite the next group" and the nudge: xMatters group names in order; absent: the saved list stays. */
  nextGroups: z
    .array(text('Groups to invite next').trim().min(1, 'Groups to invite next: a name is empty').max(255, 'Groups to invite next: each name is at most 255 characters').refine(isWellFormedText, `Groups to invite next ${BROKEN_TEXT}`), {
      error: 'Groups to invite next must be a list of group names',
    })
    .max(MAX_NEXT_GROUPS, `Groups to invite next: at most ${MAX_NEXT_GROUPS} groups`)
    .optional(),
  nudgeMinutes: z
    .number({ error: 'Nudge after must be a number of minutes' })
    .int('Nudge after must be a whole number of minutes')
    .min(NUDGE_MINUTES_RANGE.min, `Nudge after must be ${NUDGE_MINUTES_RANGE.min}–${NUDGE_MINUTES_RANGE.max} minutes`)
    .max(NUDGE_MINUTES_RANGE.max, `Nudge after must be ${NUDGE_MINUTES_RANGE.min}–${NUDGE_MINUTES_RANGE.max} minutes`)
    .optional(),
});
/** The name the plan is saved under. */
export const PLAN_FILE_NAME = 'hipchat-invite-to-room-plan.zip';

const regenerateBody = z.object({ confirm: z.literal(true, { error: 'Send {"confirm": true} to regenerate the callback password' }) }, bodyError);

export function configureRoutes(deps: ConfigureDeps): Router {
  const router = Router();
  const json = express.json({ limit: '16kb' });
  const callbackUrl = `${deps.config.baseUrl}/xmatters/callbacks`;

  router.get('/configure', page, deps.jwt.hipchat, async (req, res) => {
    const context = contextOf(req);
    const [settings, access] = await Promise.all([findSettings(deps.db, context.installation.oauthId), accessOrProblem(context)]);
    const canEdit = access.editor !== null;
    res.set('Cache-Control', 'no-store').render('configure', {
      title: 'xMatters settings',
      pageToken: signPageToken(context),
      hipchatBase: context.installation.homepageUrl,
      appliesTo: appliesTo(context, access.room),
      canEdit,
      rule: access.rule,
      accessProblem: access.problem,
      settings: settings ? settingsJson(settings) : null,
      callbackUrl,
      defaultAnswers: DEFAULT_ANSWERS,
      formatTime,
    });
  });

  router.post(
    '/configure/api/test',
    deps.jwt.page,
    json,
    api(async (req, res) => {
      const context = contextOf(req);
      // The input first: a malformed call must not cost a HipChat request (each counts against the installation's budget).
      const body = parseInput(credentialsBody, req.body, 'invalid_request');
      await requireEditor(context);
      const stored = await findStoredSettings(deps.db, context.installation.oauthId);
      const result = await testCredentials(deps.xmattersHttp, credentialsFrom(deps, body, stored));
      context.log.info({ hostname: body.hostname, username: body.username }, 'xMatters credentials tested');
      res.json({
        ok: true,
        message: result.message,
        ...(result.warning ? { warning: result.warning } : {}),
        person: result.person && { displayName: result.person.displayName, targetName: result.person.targetName },
      });
    }),
  );

  router.post(
    '/configure/api/settings',
    deps.jwt.page,
    json,
    api(async (req, res) => {
      const context = contextOf(req);
      const body = parseInput(settingsBody, req.body, 'invalid_request');
      const editor = await requireEditor(context);
      const installationId = context.installation.oauthId;
      const stored = await findStoredSettings(deps.db, installationId);
      const credentials = credentialsFrom(deps, body, stored);
      const inviteUrlSealed = body.inviteUrl === '' ? null : inviteUrlToStore(deps, body.inviteUrl, stored, credentials.host);
      const answerList = (sent: string[] | undefined, kept: string[] | null | undefined) => (sent === undefined ? (kept ?? null) : sent.length > 0 ? sent : null);

      const retest = !(credentials.unchanged && stored?.verifiedAt);
      const verified = retest
        ? { at: Date.now(), as: verifiedAs(await testCredentials(deps.xmattersHttp, credentials), credentials.username) }
        : { at: stored?.verifiedAt ?? null, as: stored?.verifiedAs ?? null };

      const callbackPassword = await deps.db.transaction(async (trx) => {
        await saveSettings(trx, {
          installationId,
          hostname: credentials.hostname,
          username: credentials.username,
          passwordSealed: stored && credentials.unchanged ? stored.passwordSealed : deps.sealer.seal(credentials.password),
          inviteUrlSealed,
          verifiedAt: verified.at,
          verifiedAs: verified.as,
          matchMentionNames: body.matchMentionNames,
          acceptAnswers: answerList(body.acceptAnswers, stored?.acceptAnswers),
          declineAnswers: answerList(body.declineAnswers, stored?.declineAnswers),
          roomToXmatters: body.roomToXmatters,
          xmattersToRoom: body.xmattersToRoom,
          ...(body.nextGroups === undefined ? {} : { nextGroups: [...new Set(body.nextGroups)] }),
          ...(body.nudgeMinutes === undefined ? {} : { nudgeMinutes: body.nudgeMinutes }),
          changedBy: editor,
        });
        if (stored?.callbackUsername) return undefined;
        const fresh = deps.callbackCredentials.generate(installationId);
        const added = await addCallbackCredentials(trx, installationId, { username: fresh.username, nonce: fresh.nonce, passwordHash: fresh.passwordHash });
        return added ? fresh.password : undefined;
      });

      const saved = await findSettings(deps.db, installationId);
      if (!saved) throw new Error('xMatters settings vanished right after being saved');
      if (callbackPassword && saved.callbackUsername) await deps.feed.publish(CALLBACK_CREDENTIALS_TOPIC, saved.callbackUsername);
      context.log.info({ hostname: saved.hostname, username: saved.username, retested: retest, callbackCreated: callbackPassword !== undefined }, 'xMatters settings saved');
      res.json({
        message: 'Settings saved.',
        settings: settingsJson(saved),
        callback: { url: callbackUrl, username: saved.callbackUsername, ...(callbackPassword ? { password: callbackPassword } : {}) },
      });
    }),
  );

  // The communication plan to import into xMatters (seed 002, "Download the communication plan"), with
  // this installation's callback URL and callback user filled in.
  router.get(
    '/configure/api/plan',
    deps.jwt.page,
    api(async (req, res) => {
      const context = contextOf(req);
      await requireEditor(context);
      const settings = await findSettings(deps.db, context.installation.oauthId);
      if (!settings?.callbackUsername) {
        throw new AddonError(409, 'not_configured', 'Test Authentication and Save Settings first: the plan carries the callback credentials they create.');
      }
      const plan = buildCommunicationPlan({ callbackUrl, callbackUsername: settings.callbackUsername });
      context.log.info({ bytes: plan.length }, 'communication plan downloaded');
      res.set({ 'Content-Type': 'application/zip', 'Content-Disposition': `attachment; filename="${PLAN_FILE_NAME}"` }).send(plan);
    }),
  );

  router.post(
    '/configure/api/callback-credentials',
    deps.jwt.page,
    json,
    api(async (req, res) => {
      const context = contextOf(req);
      parseInput(regenerateBody, req.body, 'invalid_request');
      const editor = await requireEditor(context);
      const installationId = context.installation.oauthId;
      const settings = await findSettings(deps.db, installationId);
      const notConfigured = new AddonError(409, 'not_configured', 'Save the xMatters settings first: the callback credentials are created with them.');
      if (!settings?.callbackUsername) throw notConfigured;
      const fresh = deps.callbackCredentials.generate(installationId);
      if (!(await replaceCallbackPassword(deps.db, installationId, { nonce: fresh.nonce, passwordHash: fresh.passwordHash }, editor))) throw notConfigured;
      await deps.feed.publish(CALLBACK_CREDENTIALS_TOPIC, settings.callbackUsername);
      context.log.info({ callbackUsername: settings.callbackUsername }, 'callback password regenerated');
      res.json({
        message: 'A new callback password was generated. The old one no longer works.',
        callback: { url: callbackUrl, username: settings.callbackUsername, password: fresh.password },
      });
    }),
  );

  return router;
}

/** The credentials to use: the typed ones, or the saved password when the field was left empty. */
function credentialsFrom(deps: ConfigureDeps, body: z.infer<typeof credentialsBody>, stored: StoredSettings | undefined): Credentials {
  const parsed = parseHostname(body.hostname, deps.config.xmattersAllowedHosts);
  if (!parsed.ok) throw new AddonError(400, 'invalid_hostname', parsed.message, { field: 'hostname' });
  const hostname = parsed.scheme === 'http' ? `http://${parsed.hostname}` : parsed.hostname;
  const sameAccount = stored !== undefined && stored.hostname === hostname && stored.username === body.username;
  if (body.password === '') {
    if (!stored) throw new AddonError(400, 'invalid_request', 'password: Enter the password of the integration user', { field: 'password' });
    // The saved password goes only to the host and user it was saved for.
    if (!sameAccount) throw new AddonError(400, 'invalid_request', 'password: Enter the password again: the hostname or username changed', { field: 'password' });
  }
  const storedPassword = stored && sameAccount ? deps.sealer.unseal(stored.passwordSealed) : undefined;
  const password = body.password === '' ? (storedPassword ?? '') : body.password;
  return { hostname, host: parsed.hostname, scheme: parsed.scheme, username: body.username, password, unchanged: storedPassword === password };
}

/** The Invite to Room URL to store, its key sealed; the URL as shown (key masked) keeps the saved key. */
function inviteUrlToStore(deps: ConfigureDeps, input: string, stored: StoredSettings | undefined, host: string): string {
  const chosen = chooseInviteUrl(input, stored?.inviteUrlSealed ?? null, deps.sealer);
  if (!chosen.ok) throw new AddonError(400, 'invalid_invite_url', chosen.message, { field: 'inviteUrl' });
  // A kept key is checked like a pasted one: it only ever goes to the hostname being saved.
  const valid = validateInviteUrl(chosen.url, host, deps.config.xmattersAllowedHosts);
  if (!valid.ok) throw new AddonError(400, 'invalid_invite_url', valid.message, { field: 'inviteUrl' });
  return sealInviteUrl(valid.url, deps.sealer);
}

interface Credentials {
  /** As stored: see SettingsView.hostname. */
  hostname: string;
  /** Bare host[:port]. */
  host: string;
  scheme: Scheme;
  username: string;
  password: string;
  /** Same host, user and password as the saved settings. */
  unchanged: boolean;
}

type Authenticated = Extract<AuthenticationResult, { ok: true }>;

async function testCredentials(http: AxiosInstance, credentials: Credentials): Promise<Authenticated> {
  const { host, scheme, username, password } = credentials;
  const result = await createXMattersClient({ hostname: host, scheme, username, password, http }).testAuthentication();
  if (result.ok) return result;
  const field = FIELD_OF[result.code];
  throw new AddonError(statusFor(result.code), `xmatters_${result.code}`, result.message, {
    ...(field ? { field } : {}),
    ...(result.retryAfterSeconds !== undefined ? { retryAfterSeconds: result.retryAfterSeconds } : {}),
  });
}

/** Which field an xMatters failure is about, so the page can put the message next to it. */
const FIELD_OF: Partial<Record<XMattersErrorCode, Field>> = {
  bad_credentials: 'password',
  forbidden: 'username',
  not_found: 'hostname',
  not_xmatters: 'hostname',
  dns: 'hostname',
  connect: 'hostname',
  tls: 'hostname',
  private_address: 'hostname',
  insecure_scheme: 'hostname',
};

/** 429 passes xMatters' rate limit on, 502 when xMatters failed or could not be reached, else 400 (what was typed is wrong). */
function statusFor(code: XMattersErrorCode): number {
  if (code === 'rate_limited') return 429;
  if (code === 'server_error' || code === 'timeout' || code === 'connect' || code === 'unexpected') return 502;
  return 400;
}

function verifiedAs(result: Authenticated, username: string): string {
  return result.person ? `${result.person.displayName} (${result.person.targetName})` : username;
}

const requireEditor = async (context: HipChatContext): Promise<ChangedBy> => (await requireEditorOf(context, 'these settings')).editor;

/** For the page: a HipChat failure makes it read-only and says why, instead of failing the page. */
async function accessOrProblem(context: HipChatContext): Promise<ConfigureAccess & { problem: string | null }> {
  try {
    return { ...(await configureAccess(context)), problem: null };
  } catch (err) {
    if (!(err instanceof HipChatApiError)) throw err;
    context.log.warn({ code: err.code, status: err.status }, 'could not check configure permission with HipChat');
    return {
      editor: null,
      rule: '',
      room: undefined,
      problem: `Could not check with HipChat whether you may change these settings (${err.message}). Reload the page to try again.`,
    };
  }
}

function appliesTo(context: HipChatContext, room: HipChatRoom | undefined): string {
  const { installation } = context;
  if (installation.roomId === null) {
    return `The add-on is installed for the whole group${installation.groupName ? ` ${installation.groupName}` : ''}: these settings apply to every room.`;
  }
  return `The add-on is installed in the room ${room?.name ?? installation.roomId}: these settings apply to that room only.`;
}

/** The page's text for a time until its script shows it in the reader's own time zone. */
function formatTime(iso: string): string {
  return `${iso.slice(0, 16).replace('T', ' ')} UTC`;
}

/** What the page and the API show: never the password, nor the Invite to Room URL's key, nor anything they are derived from. */
function settingsJson(settings: SettingsView) {
  return {
    hostname: settings.hostname,
    username: settings.username,
    inviteUrl: settings.inviteUrl,
    /** The URL has a saved `apiKey`, shown masked. */
    inviteUrlKeySaved: settings.inviteUrl !== null && hasMaskedApiKey(settings.inviteUrl),
    verifiedAt: settings.verifiedAt === null ? null : new Date(settings.verifiedAt).toISOString(),
    verifiedAs: settings.verifiedAs,
    callbackUsername: settings.callbackUsername,
    matchMentionNames: settings.matchMentionNames,
    acceptAnswers: settings.acceptAnswers ?? DEFAULT_ANSWERS.accept,
    declineAnswers: settings.declineAnswers ?? DEFAULT_ANSWERS.decline,
    answersAreDefaults: settings.acceptAnswers === null && settings.declineAnswers === null,
    roomToXmatters: settings.roomToXmatters,
    xmattersToRoom: settings.xmattersToRoom,
    nextGroups: settings.nextGroups,
    nudgeMinutes: settings.nudgeMinutes,
    updatedAt: new Date(settings.updatedAt).toISOString(),
    updatedByName: settings.updatedByName,
  };
}

