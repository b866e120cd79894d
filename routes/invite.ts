import express, { Router } from 'express';
import { z } from 'zod';
import { HipChatApiError } from '../lib/hipchat/errors';
import { contextOf, signPageToken, type HipChatContext, type JwtMiddleware } from '../lib/hipchat/jwt';
import { page } from './errors';
import { configureAccess } from '../lib/hipchat/permissions';
import { LookupCache, lookupKey } from '../lib/invites/lookup-cache';
import { createInvite, MAX_DESCRIPTION, MAX_RECIPIENTS, type InviteDeps } from '../lib/invites/service';
import type { XMattersConnections } from '../lib/invites/xmatters-target';
import { BROKEN_TEXT, isWellFormedText } from '../lib/text';
import { XMattersError } from '../lib/xmatters/errors';
import type { Recipient } from '../lib/xmatters/rank';
import { anyoneOnCall, describeOnCall, type OnCallNow } from '../lib/xmatters/on-call';
import { AddonError } from '../lib/errors';
import { api, parseInput, text } from './api';

/** The "+" dialog and its endpoints. */
export interface InviteRouteDeps {
  jwt: JwtMiddleware;
  inviteDeps: InviteDeps;
  xmatters: XMattersConnections;
}

const LOOKUP_LIMIT = 20;
const LOOKUP_TTL_MS = 30_000;
const LOOKUP_MAX_ENTRIES = 2000;
/** How long an invite waits for HipChat to name the room and the inviter before it goes on without them. */
const HIPCHAT_NAMES_TIMEOUT_MS = 3000;
const HOW_TO_CONFIGURE = 'in HipChat, open the room menu → Integrations → xMatters On-Call Invite → Configure';

const notConfigured = () =>
  new AddonError(409, 'not_configured', `xMatters is not set up for this installation yet. A HipChat admin can set it up: ${HOW_TO_CONFIGURE}.`);


const lookupQuery = z.object({
  q: text('The search text').trim().min(2, 'Type at least 2 characters to search').max(100, 'Search with at most 100 characters').refine(isWellFormedText, `The search text ${BROKEN_TEXT}`),
});

const onCallQuery = z.object({
  group: text('The group').trim().min(1, 'Name the group').max(255, 'The group name is at most 255 characters').refine(isWellFormedText, `The group name ${BROKEN_TEXT}`),
});

const recipientBody = z.object(
  {
    targetName: text('targetName').trim().min(1, 'targetName is empty').max(255, 'targetName is at most 255 characters').refine(isWellFormedText, `targetName ${BROKEN_TEXT}`),
    type: z.enum(['PERSON', 'GROUP'], { error: 'type must be PERSON or GROUP' }),
    displayName: text('displayName').trim().max(255, 'displayName is at most 255 characters').refine(isWellFormedText, `displayName ${BROKEN_TEXT}`).optional(),
  },
  { error: 'Each recipient must be an object {targetName, type, displayName}' },
);

const inviteBody = z.object(
  {
    recipients: z
      .array(recipientBody, { error: (issue) => (issue.input === undefined ? 'Pick at least one recipient' : 'recipients must be a list') })
      .min(1, 'Pick at least one recipient')
      .max(MAX_RECIPIENTS, `An invite can have at most ${MAX_RECIPIENTS} recipients`)
      .superRefine((recipients, ctx) => {
        const seen = new Set<string>();
        recipients.forEach((recipient, index) => {
          if (seen.has(recipient.targetName)) ctx.addIssue({ code: 'custom', path: [index, 'targetName'], message: `${recipient.targetName} is picked twice` });
          seen.add(recipient.targetName);
        });
      }),
    description: text('The description')
      .trim()
      .min(1, 'Write a description')
      .max(MAX_DESCRIPTION, `The description is at most ${MAX_DESCRIPTION} characters`)
      .refine(isWellFormedText, `The description ${BROKEN_TEXT}`),
    idempotencyKey: text('idempotencyKey').regex(/^[A-Za-z0-9_-]{8,100}$/, 'idempotencyKey must be 8–100 letters, digits, _ or -, generated once per dialog'),
  },
  { error: 'The request body must be a JSON object sent as application/json' },
);

export function inviteRoutes(deps: InviteRouteDeps): Router {
  const router = Router();
  const lookups = new LookupCache<Recipient[]>({ ttlMs: LOOKUP_TTL_MS, maxEntries: LOOKUP_MAX_ENTRIES });
  const onCallLookups = new LookupCache<OnCallNow>({ ttlMs: LOOKUP_TTL_MS, maxEntries: LOOKUP_MAX_ENTRIES });

  router.get('/invite/dialog', page, deps.jwt.hipchat, async (req, res) => {
    const context = contextOf(req);
    const configured = (await deps.xmatters.targetFor(context.installation.oauthId)) !== undefined;
    res.set('Cache-Control', 'no-store').render('invite-dialog', {
      title: 'Invite on-call responders',
      pageToken: signPageToken(context),
      hipchatBase: context.installation.homepageUrl,
      configured,
      canConfigure: !configured && (await mayConfigure(context)),
      howToConfigure: HOW_TO_CONFIGURE,
      maxRecipients: MAX_RECIPIENTS,
      maxDescription: MAX_DESCRIPTION,
    });
  });

  router.get(
    '/invite/api/recipients',
    deps.jwt.page,
    api(async (req, res) => {
      const context = contextOf(req);
      const { q } = parseInput(lookupQuery, req.query, 'invalid');
      const installationId = context.installation.oauthId;
      const connection = await deps.xmatters.connectionFor(installationId);
      if (!connection) throw notConfigured();
      const { client } = connection;
      let recipients: Recipient[];
      // Keyed on the xMatters account too, so new settings never answer with the old account's people.
      try {
        recipients = await lookups.get(lookupKey(installationId, `${client.username}@${client.baseUrl}`, q), () => client.searchRecipients(q, { limit: LOOKUP_LIMIT }));
      } catch (err) {
        if (!(err instanceof XMattersError)) throw err;
        context.log.warn({ code: err.code, status: err.status }, 'xMatters recipient lookup failed');
        throw lookupRefusal(err);
      }
      res.json({ recipients });
    }),
  );

  // Who a picked group reaches now. A failing lookup is answered as an error the dialog shows; it never blocks sending.
  router.get(
    '/invite/api/on-call',
    deps.jwt.page,
    api(async (req, res) => {
      const context = contextOf(req);
      const { group } = parseInput(onCallQuery, req.query, 'invalid');
      const connection = await deps.xmatters.connectionFor(context.installation.oauthId);
      if (!connection) throw notConfigured();
      let now: OnCallNow;
      try {
        now = await onCallLookups.get(lookupKey(context.installation.oauthId, `${connection.client.username}@${connection.client.baseUrl}`, group), () => connection.client.whoIsOnCall(group));
      } catch (err) {
        if (!(err instanceof XMattersError)) throw err;
        context.log.warn({ code: err.code, status: err.status }, 'xMatters on-call lookup failed');
        throw onCallRefusal(err);
      }
      res.json({ group: now.group, found: now.found, anyone: anyoneOnCall(now), shifts: now.found ? now.shifts : [], text: describeOnCall(now) });
    }),
  );

  router.post(
    '/invite/api/invites',
    deps.jwt.page,
    express.json({ limit: '32kb' }),
    api(async (req, res) => {
      const context = contextOf(req);
      const body = parseInput(inviteBody, req.body, 'invalid');
      const { roomId, userId } = context;
      if (roomId === undefined) throw new AddonError(400, 'no_room', 'The token names no room. Open the dialog from the room the responders should join.');
      const installationId = context.installation.oauthId;
      if (!(await deps.xmatters.targetFor(installationId))) throw notConfigured();

      const [room, inviter] = await Promise.all([
        bestEffort(context, 'read the room name', () => context.client.getRoom(roomId)),
        userId === undefined ? null : bestEffort(context, 'read the inviter', () => context.client.getUser(userId)),
      ]);
      const { inviteId, created } = await createInvite(deps.inviteDeps, {
        installationId,
        roomId,
        roomName: room?.name ?? null,
        inviterId: userId ?? null,
        inviterName: inviter?.name ?? null,
        inviterMention: inviter?.mention_name ?? null,
        description: body.description,
        idempotencyKey: body.idempotencyKey,
        recipients: body.recipients.map((r) => ({ targetName: r.targetName, recipientType: r.type, displayName: r.displayName || r.targetName })),
      });
      context.log.info({ inviteId, recipients: body.recipients.length }, created ? 'invite accepted' : 'invite repeated with the same idempotency key');
      res.status(202).json({ inviteId });
    }),
  );

  return router;
}

/** xMatters' own sentence, prefixed; 429 passes its rate limit on, anything else is a bad gateway. */
function lookupRefusal(err: XMattersError): AddonError {
  const message = `Could not search xMatters: ${err.message}`;
  if (err.code === 'rate_limited') return new AddonError(429, 'xmatters_rate_limited', message, { retryAfterSeconds: err.retryAfterSeconds ?? 60 });
  return new AddonError(502, `xmatters_${err.code}`, message);
}

function onCallRefusal(err: XMattersError): AddonError {
  const message = `Could not look up who is on call: ${err.message}`;
  if (err.code === 'rate_limited') return new AddonError(429, 'xmatters_rate_limited', message, { retryAfterSeconds: err.retryAfterSeconds ?? 60 });
  return new AddonError(502, `xmatters_${err.code}`, message);
}

/** Whether the user may open the configure tab: a group admin, or the owner of a room installation's room. */
async function mayConfigure(context: HipChatContext): Promise<boolean> {
  try {
    return (await configureAccess(context)).editor !== null;
  } catch (err) {
    if (!(err instanceof HipChatApiError)) throw err;
    context.log.warn({ code: err.code, status: err.status }, 'could not ask HipChat whether the user may configure the add-on');
    return false;
  }
}

/** A HipChat read the invite can do without: null when it fails or is slow. */
export async function bestEffort<T>(context: HipChatContext, what: string, call: () => Promise<T>): Promise<T | null> {
  const answer = call().catch((err: unknown) => {
    context.log.warn({ reason: err instanceof Error ? err.message : String(err) }, `could not ${what}; the invite goes on without it`);
    return null;
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<null>((resolve) => {
    timer = setTimeout(() => {
      context.log.warn(`HipChat took over ${HIPCHAT_NAMES_TIMEOUT_MS} ms to ${what}; the invite goes on without it`);
      resolve(null);
    }, HIPCHAT_NAMES_TIMEOUT_MS);
  });
  try {
    return await Promise.race([answer, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

