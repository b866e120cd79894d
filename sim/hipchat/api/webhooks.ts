import { Router, type Response } from 'express';
import { z } from 'zod';
import type { WebhookEvent } from '../descriptor';
import { ApiError } from '../errors';
import { compilePattern } from '../pattern';
import type { RoomWebhook, RoomWebhooks, WebhookOwner } from '../room-webhooks';
import type { Room, World } from '../state';
import { oauthIdOf, userIdOf } from '../tokens';
import type { Views } from '../views';
import { requireScope, tokenOf } from './auth';
import { page } from './paging';
import { param, roomFor } from './room-access';

const EVENTS = [
  'room_archived',
  'room_created',
  'room_deleted',
  'room_enter',
  'room_exit',
  'room_file_upload',
  'room_message',
  'room_notification',
  'room_topic_change',
  'room_unarchived',
] as const satisfies readonly WebhookEvent[];

/** The create body (tbruyelle/hipchat-go `CreateWebhookRequest`, viascom/hipchat-api `CreateRoomWebhook`); hipchat-rb sends `pattern: ''` and `name: ''` for none. */
const createSchema = z.object({
  url: z.url({ protocol: /^https?$/, error: 'url must be an absolute http(s) URL' }),
  event: z.enum(EVENTS, { error: `event must be one of: ${EVENTS.join(', ')}` }),
  pattern: z.string({ error: 'pattern must be a string' }).max(512, { error: 'pattern must be at most 512 characters' }).optional(),
  name: z.string({ error: 'name must be a string' }).max(100, { error: 'name must be at most 100 characters' }).optional(),
  key: z
    .string({ error: 'key must be a string' })
    .regex(/^[a-zA-Z0-9_\-.]{1,40}$/, { error: 'key must be 1 to 40 letters, digits, _, - or .' })
    .optional(),
  authentication: z.enum(['jwt', 'none'], { error: 'authentication must be jwt or none' }).default('none'),
});

/**
 * Room webhooks over REST [admin_room] (DAC webhooks: "requires the admin_room scope", "only in the
 * context of a room"): `POST room/{id}/webhook` → 201 `{id, links{self}}` (oswynb/hipchat-hs
 * `CreateWebhookResponse`), `GET room/{id}/webhook` (paged), `GET` / `DELETE room/{id}/webhook/{id}`
 * (vincentcjohnson/HipChatAPI `GetWebhookResponse`: room, links, creator, url, pattern, created, event,
 * name). Each client sees only its own webhooks. Created webhooks fire like descriptor ones.
 */
export function webhooksRouter(world: World, views: Views, webhooks: RoomWebhooks, apiUrl: string): Router {
  const router = Router();
  const selfUrl = (webhook: RoomWebhook) => `${apiUrl}/room/${webhook.roomId}/webhook/${webhook.id}`;
  const summary = (webhook: RoomWebhook) => ({
    id: webhook.id,
    name: webhook.name ?? '',
    ...(webhook.key === undefined ? {} : { key: webhook.key }),
    event: webhook.event,
    pattern: webhook.pattern ?? '',
    url: webhook.url,
    authentication: webhook.authentication ?? 'none',
    links: { self: selfUrl(webhook) },
  });

  router.post('/room/:room/webhook', requireScope('admin_room'), (req, res) => {
    const room = roomFor(world, req, res);
    const owner = ownerOf(res);
    const parsed = createSchema.safeParse(req.body ?? {});
    if (!parsed.success) throw new ApiError(400, parsed.error.issues.map((issue) => issue.message).join('; '));
    const { pattern: rawPattern, name, key, ...rest } = parsed.data;
    const pattern = rawPattern === '' ? undefined : rawPattern;
    if (pattern !== undefined) {
      if (rest.event !== 'room_message' && rest.event !== 'room_notification') {
        throw new ApiError(400, 'pattern applies only to room_message and room_notification webhooks');
      }
      try {
        compilePattern(pattern);
      } catch (err) {
        throw new ApiError(400, `pattern is not a usable regular expression (${(err as Error).message})`);
      }
    }
    if (rest.authentication === 'jwt' && 'userId' in owner) {
      throw new ApiError(400, 'authentication jwt needs an add-on token: a personal token has no shared secret to sign with');
    }
    const webhook = webhooks.create(
      room.id,
      owner,
      { ...rest, ...(pattern === undefined ? {} : { pattern }), ...(name ? { name } : {}), ...(key === undefined ? {} : { key }) },
      userIdOf(tokenOf(res).principal),
    );
    res.status(201).json({ id: webhook.id, links: { self: selfUrl(webhook) } });
  });

  router.get('/room/:room/webhook', requireScope('admin_room'), (req, res) => {
    const room = roomFor(world, req, res);
    res.json(page(req, webhooks.list(room.id, ownerOf(res)).map(summary), `${apiUrl}/room/${room.id}/webhook`));
  });

  router.get('/room/:room/webhook/:webhook', requireScope('admin_room'), (req, res) => {
    const room = roomFor(world, req, res);
    const webhook = found(room, res);
    const creator = webhook.creatorId === undefined ? undefined : world.users.get(webhook.creatorId);
    res.json({ ...summary(webhook), created: webhook.created, creator: creator ? views.userRef(creator) : null, room: views.roomRef(room) });
  });

  router.delete('/room/:room/webhook/:webhook', requireScope('admin_room'), (req, res) => {
    const room = roomFor(world, req, res);
    webhooks.delete(found(room, res).id);
    res.status(204).end();
  });

  function found(room: Room, res: Response): RoomWebhook {
    const ref = param(res.req, 'webhook');
    const id = /^\d{1,15}$/.test(ref) ? Number(ref) : undefined;
    const webhook = id === undefined ? undefined : webhooks.find(room.id, ownerOf(res), id);
    if (!webhook) throw new ApiError(404, `Webhook ${ref} not found in room ${room.id}`);
    return webhook;
  }

  return router;
}

/** Webhooks belong to the add-on behind the token (also for its user tokens), else to the personal token's user. */
function ownerOf(res: Response): WebhookOwner {
  const { principal } = tokenOf(res);
  const oauthId = oauthIdOf(principal);
  if (oauthId !== undefined) return { oauthId };
  const userId = userIdOf(principal);
  if (userId !== undefined) return { userId };
  throw new ApiError(403, 'A room notification token cannot manage webhooks');
}
