import express, { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { contextOf } from '../lib/hipchat/jwt';
import { runOncallCommand } from '../lib/invites/command';
import type { ResponseDeps } from '../lib/invites/responses';
import { roomArchived, roomDeleted, userEnteredRoom } from '../lib/invites/room-events';
import { markSeen } from '../lib/store/invites';
import { zodMessage } from './validation';

const id = z.union([z.number().int(), z.string().regex(/^\d+$/).transform(Number)]);
const person = z.object({ id: z.union([z.number(), z.string()]).transform(String), name: z.string().max(255), mention_name: z.string().max(255).optional() });
const room = z.object({ id, name: z.string().max(255).optional() });

/** HipChat's webhook envelope (docs §7): `{event, item, oauth_client_id, webhook_id}`. */
const envelope = z.object({ event: z.string(), oauth_client_id: z.string().optional(), webhook_id: z.union([z.number(), z.string()]).optional(), item: z.object({ room }).passthrough() });
const messageItem = z.object({ room, message: z.object({ id: z.string().min(1).max(100), message: z.string().max(10_000), from: person }) });
const senderItem = z.object({ room, sender: person });

/**
 * HipChat room webhooks, JWT-verified. Work that calls HipChat or xMatters goes to the delivery queue;
 * `/oncall` answers with the notice HipChat posts back in the room.
 */
export function webhookRoutes(deps: { requireJwt: RequestHandler; responses: ResponseDeps }): Router {
  const router = Router();
  const parse = express.json({ limit: '64kb' });

  router.post('/webhooks/:event', parse, deps.requireJwt, async (req, res) => {
    const context = contextOf(req);
    const parsed = envelope.safeParse(req.body);
    if (!parsed.success || parsed.data.event !== req.params.event) {
      res.status(400).json({ error: { code: 'invalid_webhook', message: parsed.success ? `The envelope's event ${parsed.data.event} does not match the URL` : `Not a HipChat webhook: ${zodMessage(parsed.error)}` } });
      return;
    }
    const { event, item, oauth_client_id } = parsed.data;
    const installationId = context.installation.oauthId;
    if (oauth_client_id !== undefined && oauth_client_id !== installationId) {
      res.status(400).json({ error: { code: 'invalid_webhook', message: 'oauth_client_id does not match the JWT issuer' } });
      return;
    }
    const roomId = item.room.id;
    if (context.installation.roomId !== null && context.installation.roomId !== roomId) {
      res.status(403).json({ error: { code: 'wrong_room', message: `This installation belongs to room ${context.installation.roomId}` } });
      return;
    }
    // A child logger only when something is logged: most webhooks are acknowledged silently.
    const log = () => context.log.child({ event, roomId });

    switch (event) {
      case 'room_message': {
        const msg = messageItem.safeParse(item);
        if (!msg.success) return void res.status(400).json({ error: { code: 'invalid_webhook', message: zodMessage(msg.error) } });
        const { message } = msg.data;
        if (!(await markSeen(deps.responses.db, installationId, `msg:${message.id}`))) {
          log().info({ messageId: message.id }, 'duplicate room_message ignored');
          return void res.status(204).end();
        }
        const answer = await runOncallCommand(
          deps.responses,
          {
            installationId,
            roomId,
            roomName: msg.data.room.name ?? null,
            messageId: message.id,
            from: { id: message.from.id, name: message.from.name, mentionName: message.from.mention_name ?? '' },
          },
          message.message,
          log(),
        );
        res.json({ message: answer.text, message_format: 'text', color: answer.color, notify: false });
        return;
      }
      case 'room_enter': {
        const enter = senderItem.safeParse(item);
        if (!enter.success) return void res.status(400).json({ error: { code: 'invalid_webhook', message: zodMessage(enter.error) } });
        const joined = await userEnteredRoom(deps.responses, installationId, roomId, { id: enter.data.sender.id, name: enter.data.sender.name });
        if (joined.length) log().info({ joined }, 'responder joined the room');
        break;
      }
      case 'room_archived':
      case 'room_unarchived':
        await roomArchived(deps.responses, installationId, roomId, event === 'room_archived');
        log().info('room archive state recorded');
        break;
      case 'room_deleted':
        await roomDeleted(deps.responses, installationId, roomId);
        log().info('room deleted: its invites and pending notices were removed');
        break;
      default:
        log().debug('webhook event not used by this add-on; acknowledged');
    }
    res.status(204).end();
  });
  return router;
}
