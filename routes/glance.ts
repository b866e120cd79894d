import express, { Router, type Response } from 'express';
import { z } from 'zod';
import { AddonError } from '../lib/errors';
import { glanceContent } from '../lib/hipchat/chat-port';
import { contextOf, signPageToken, type HipChatContext, type JwtMiddleware } from '../lib/hipchat/jwt';
import { countedRecipients, roomStatus, roomSummary, type RoomSummary } from '../lib/invites/glance';
import { createInvite, type InviteDeps } from '../lib/invites/service';
import type { XMattersConnections } from '../lib/invites/xmatters-target';
import { findInvite, listRecipients, type InviteRecipient } from '../lib/store/invites';
import { api, parseInput, text } from './api';
import { page } from './errors';
import { bestEffort } from './invite';

export interface GlanceRouteDeps {
  jwt: JwtMiddleware;
  inviteDeps: InviteDeps;
  xmatters: XMattersConnections;
}

/** How long one room's summary answers every poll of this instance (the panel polls every few seconds). */
const SUMMARY_TTL_MS = 2000;
const SUMMARY_MAX_ROOMS = 5000;

/**
 * The panel polls (every 4 s) rather than holding a server-sent event stream: a stream would pin one
 * connection per open panel to whichever instance it reached, and every instance would then have to
 * hear of every change (PostgreSQL's NOTIFY, but nothing like it on SQLite); it would also outlive the
 * 15-minute page token it was opened with. A poll is a plain authenticated GET that any instance
 * answers, from this cache.
 *
 * The rooms' summaries, each read at most once per SUMMARY_TTL_MS per instance however many panels
 * poll it (concurrent polls share one read), so open panels cost the database a few indexed reads per
 * room every two seconds, not per viewer.
 */
class SummaryCache {
  private readonly entries = new Map<string, { at: number; summary: Promise<RoomSummary> }>();

  constructor(private readonly read: (installationId: string, roomId: number) => Promise<RoomSummary>) {}

  get(installationId: string, roomId: number): Promise<RoomSummary> {
    const key = `${installationId}|${roomId}`;
    const now = Date.now();
    const hit = this.entries.get(key);
    if (hit && now - hit.at < SUMMARY_TTL_MS) return hit.summary;
    if (this.entries.size >= SUMMARY_MAX_ROOMS) this.entries.clear();
    const summary = this.read(installationId, roomId);
    this.entries.set(key, { at: now, summary });
    summary.catch(() => this.entries.delete(key));
    return summary;
  }

  forget(installationId: string, roomId: number): void {
    this.entries.delete(`${installationId}|${roomId}`);
  }
}

const actionBody = z.object(
  { idempotencyKey: text('idempotencyKey').regex(/^[A-Za-z0-9_-]{8,100}$/, 'idempotencyKey must be 8–100 letters, digits, _ or -, generated once per click') },
  { error: 'The request body must be a JSON object sent as application/json' },
);
const inviteIdParam = z.string().regex(/^[0-9a-f-]{36}$/, 'The invite id is not one of this add-on\'s');

/**
 * The room glance (its `queryUrl`), the sidebar web panel it opens, and the panel's JSON endpoints.
 * Everything answers for the room the token names; an invite of another room is not found.
 */
export function glanceRoutes(deps: GlanceRouteDeps): Router {
  const router = Router();
  const summaries = new SummaryCache((installationId, roomId) => roomSummary(deps.inviteDeps.db, installationId, roomId));
  const roomOf = (context: HipChatContext) => {
    if (context.roomId === undefined) throw new AddonError(400, 'no_room', 'The token names no room. Open the glance from a room.');
    return context.roomId;
  };

  // HipChat's client fetches queryUrl from the browser, cross-origin, with ?signed_request (docs §5):
  // the answer may be read by the installation's HipChat only.
  router.get(
    '/glance',
    deps.jwt.hipchat,
    api(async (req, res) => {
      const context = contextOf(req);
      allowHipChatOrigin(context, req.headers.origin, res);
      // Asked once per user opening the room (then pushes take over), so read fresh rather than from the panels' cache.
      const summary = await roomSummary(deps.inviteDeps.db, context.installation.oauthId, roomOf(context));
      res.json(glanceContent(roomStatus(summary)));
    }),
  );

  router.get('/panel', page, deps.jwt.hipchat, async (req, res) => {
    const context = contextOf(req);
    roomOf(context);
    res.set('Cache-Control', 'no-store').render('panel', {
      title: "Who's coming",
      pageToken: signPageToken(context),
      hipchatBase: context.installation.homepageUrl,
    });
  });

  router.get(
    '/panel/api/room',
    deps.jwt.page,
    api(async (req, res) => {
      const context = contextOf(req);
      const summary = await summaries.get(context.installation.oauthId, roomOf(context));
      res.json(panelJson(summary, Date.now()));
    }),
  );

  /** "Invite again": the same recipients and description, through the dialog's own invite path. */
  router.post(
    '/panel/api/invites/:inviteId/again',
    deps.jwt.page,
    express.json({ limit: '4kb' }),
    api(async (req, res) => {
      const context = contextOf(req);
      const { idempotencyKey } = parseInput(actionBody, req.body, 'invalid');
      const { invite, recipients } = await roomInvite(deps, context, req.params.inviteId);
      const own = recipients.filter((r) => !r.fromCallback);
      const inviteId = await sendInvite(deps, context, invite.description, idempotencyKey, own.map((r) => ({ targetName: r.targetName, recipientType: r.recipientType, displayName: r.displayName ?? r.targetName })));
      summaries.forget(context.installation.oauthId, invite.roomId);
      res.status(202).json({ inviteId });
    }),
  );

  /** "Invite the next group": the first of the installation's groups to invite next not invited yet, with this invite's description. */
  router.post(
    '/panel/api/invites/:inviteId/next-group',
    deps.jwt.page,
    express.json({ limit: '4kb' }),
    api(async (req, res) => {
      const context = contextOf(req);
      const { idempotencyKey } = parseInput(actionBody, req.body, 'invalid');
      const { invite } = await roomInvite(deps, context, req.params.inviteId);
      const summary = await roomSummary(deps.inviteDeps.db, invite.installationId, invite.roomId);
      if (!summary.nextGroupsSet) throw new AddonError(409, 'no_next_groups', 'No groups to invite next are set. An admin can list them on the configure tab.');
      if (summary.nextGroup === null) throw new AddonError(409, 'no_next_group', 'Every group to invite next has been invited already.');
      const inviteId = await sendInvite(deps, context, invite.description, idempotencyKey, [{ targetName: summary.nextGroup, recipientType: 'GROUP', displayName: summary.nextGroup }]);
      summaries.forget(context.installation.oauthId, invite.roomId);
      res.status(202).json({ inviteId, group: summary.nextGroup });
    }),
  );

  return router;
}

/** Access-Control-Allow-Origin for the installation's own HipChat (its homepage or capabilities host), never for anyone else. */
function allowHipChatOrigin(context: HipChatContext, origin: string | undefined, res: Response): void {
  res.vary('Origin');
  if (!origin) return;
  const own = [context.installation.homepageUrl, context.installation.capabilitiesUrl].flatMap((url) => {
    try {
      return url ? [new URL(url).origin] : [];
    } catch {
      return [];
    }
  });
  if (own.includes(origin)) res.set('Access-Control-Allow-Origin', origin);
}

/** The invite, when it belongs to the token's installation and room; otherwise it is not found (and nothing is said about it). */
async function roomInvite(deps: GlanceRouteDeps, context: HipChatContext, rawId: unknown) {
  const parsed = inviteIdParam.safeParse(rawId);
  const notFound = new AddonError(404, 'unknown_invite', 'No such invite in this room.');
  if (!parsed.success) throw notFound;
  const invite = await findInvite(deps.inviteDeps.db, parsed.data);
  if (!invite || invite.installationId !== context.installation.oauthId || invite.roomId !== context.roomId) throw notFound;
  return { invite, recipients: await listRecipients(deps.inviteDeps.db, invite.id) };
}

async function sendInvite(
  deps: GlanceRouteDeps,
  context: HipChatContext,
  description: string,
  idempotencyKey: string,
  recipients: Array<{ targetName: string; recipientType: 'PERSON' | 'GROUP'; displayName: string }>,
): Promise<string> {
  const installationId = context.installation.oauthId;
  const roomId = context.roomId!;
  if (!(await deps.xmatters.targetFor(installationId))) {
    throw new AddonError(409, 'not_configured', 'xMatters is not set up for this installation yet. A HipChat admin can set it up on the configure tab.');
  }
  if (recipients.length === 0) throw new AddonError(409, 'no_recipients', 'This invite has no recipients to invite again.');
  const { userId } = context;
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
    description,
    idempotencyKey: `panel-${idempotencyKey}`,
    recipients,
  });
  context.log.info({ inviteId, recipients: recipients.length }, created ? 'invite sent from the room panel' : 'panel invite repeated with the same idempotency key');
  return inviteId;
}

const STATE_LABELS: Record<InviteRecipient['state'], string> = {
  sent: 'sent',
  delivered: 'delivered',
  accepted: 'accepted',
  joined: 'joined',
  declined: 'declined',
  failed: 'failed',
  no_answer: 'no answer',
};

/** What the panel shows: no secret, no error text from peers; times as epoch ms, with the server's now to count from. */
function panelJson(summary: RoomSummary, now: number) {
  return {
    now,
    status: roomStatus(summary),
    counts: summary.counts,
    nextGroup: summary.nextGroup,
    nextGroupsSet: summary.nextGroupsSet,
    nudgeMinutes: summary.nudgeMinutes,
    invites: summary.invites.map(({ invite, recipients }) => {
      const counted = new Set(countedRecipients(recipients).map((r) => r.id));
      return {
        id: invite.id,
        ref: invite.id.slice(0, 8),
        description: invite.description,
        inviterName: invite.inviterName,
        createdAt: invite.createdAt,
        sending: invite.state === 'pending',
        recipients: recipients.map((r) => ({
          targetName: r.targetName,
          name: r.displayName ?? r.targetName,
          type: r.recipientType,
          member: r.fromCallback,
          counted: counted.has(r.id),
          state: r.state,
          // A group whose members are listed was notified; its members' states are the ones that count.
          stateLabel: !counted.has(r.id) && r.state === 'sent' ? 'notified' : STATE_LABELS[r.state],
          stateChangedAt: r.stateChangedAt,
          response: r.lastResponse,
          escalationStep: r.escalationStep,
          escalatedAt: r.escalatedAt,
        })),
      };
    }),
  };
}
