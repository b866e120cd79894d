import express, { Router, type RequestHandler } from 'express';
import { contextOf } from '../lib/hipchat/jwt';

const EVENTS = ['room_message', 'room_enter', 'room_archived', 'room_unarchived', 'room_deleted'] as const;

/** HipChat room webhooks, JWT-verified and acknowledged fast. */
export function webhookRoutes(deps: { requireJwt: RequestHandler }): Router {
  const router = Router();
  for (const event of EVENTS) {
    router.post(`/webhooks/${event}`, express.json({ limit: '64kb' }), deps.requireJwt, (req, res) => {
      contextOf(req).log.info({ event }, 'webhook received');
      res.status(204).end();
    });
  }
  return router;
}
