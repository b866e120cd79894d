import type { Router } from 'express';
import { AddonError } from '../lib/errors';
import { contextOf, type HipChatContext, type JwtMiddleware } from '../lib/hipchat/jwt';
import { parseWebhook, WebhookPayloadError, type ParsedWebhook } from '../lib/hipchat/webhooks';
import type { RoomEventContext } from '../lib/invites/command';
import { dispatchRoomEvent, type RoomEventHandlers } from '../lib/invites/room-events';
import type { Logger } from '../lib/logger';
import { jsonBody } from './json-body';

/**
 * HipChat room webhooks. The route only verifies HipChat's JWT (before reading the body), reads the
 * envelope, checks that the body agrees with the token, and dispatches to the event's handler; a
 * handler's reply to a room_message is answered as the notification HipChat posts back in the room.
 */
export function webhookRoutes(router: Pick<Router, 'post'>, deps: { jwt: JwtMiddleware; handlers: RoomEventHandlers }): void {
  router.post('/webhooks/:event', deps.jwt.hipchat, jsonBody(64 * 1024), async (req, res) => {
    const context = contextOf(req);
    let hook: ParsedWebhook;
    try {
      hook = parseWebhook(String(req.params.event), req.body);
    } catch (err) {
      if (err instanceof WebhookPayloadError) throw new AddonError(400, 'invalid_webhook', err.message, { retryable: false });
      throw err;
    }
    crossCheck(context, hook);
    const reply = await dispatchRoomEvent(deps.handlers, new WebhookContext(context, hook), hook.roomEvent);
    if (!reply) return void res.status(204).end();
    // Written as is: res.json would also hash the body for an ETag, which HipChat never sends back.
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.end(JSON.stringify({ message: reply.text.slice(0, 10_000), message_format: 'text', color: reply.color, notify: false }));
  });
}

/** Where a webhook's event happened; its logger is made on first use (most webhooks log nothing). */
class WebhookContext implements RoomEventContext {
  readonly installationId: string;
  readonly roomId: number;
  readonly roomName: string | null;
  private madeLog: Logger | undefined;

  constructor(
    private readonly context: HipChatContext,
    private readonly hook: ParsedWebhook,
  ) {
    this.installationId = context.installation.oauthId;
    this.roomId = hook.roomId;
    this.roomName = hook.roomName;
  }

  get log(): Logger {
    return (this.madeLog ??= this.context.log.child({ event: this.hook.event }));
  }
}

/** The body must be about the token's installation and room, and name the token's user where it names one. */
function crossCheck(context: HipChatContext, hook: ParsedWebhook): void {
  const refuse = (status: number, code: string, message: string) => new AddonError(status, code, message, { retryable: false });
  if (hook.oauthClientId !== undefined && hook.oauthClientId !== context.installation.oauthId) {
    throw refuse(400, 'invalid_webhook', 'oauth_client_id does not match the JWT issuer');
  }
  if (context.roomId === undefined) throw refuse(403, 'wrong_room', "The webhook's token names no room");
  if (hook.roomId !== context.roomId) throw refuse(403, 'wrong_room', `The webhook is about room ${hook.roomId}, but its token is for room ${context.roomId}`);
  if (context.userId !== undefined && hook.actorId !== undefined && hook.actorId !== context.userId) {
    throw refuse(403, 'wrong_sender', `The webhook names user ${hook.actorId.slice(0, 20)}, but its token was signed for user ${context.userId.slice(0, 20)}`);
  }
}
