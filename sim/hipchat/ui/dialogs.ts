import express, { Router } from 'express';
import { z } from 'zod';
import type { Installation } from '../installations';
import type { Room } from '../state';
import { mayConfigure, visibleRoom } from './access';
import type { UiDeps } from './deps';
import { UiError } from './errors';
import { addonIcon, dialogView, inputActions, resolveTarget } from './modules';
import { safeUrl } from './sanitize';
import { currentUser } from './session';

const json = express.json({ limit: '16kb' });
const key = z.string().min(1).max(100);
const openBody = z.union([
  z.object({ oauthId: key, action: key }),
  z.object({ oauthId: key, dialog: key }),
  z.object({ oauthId: key, glance: key }),
  z.object({ oauthId: key, webPanel: key }),
]);
const tokenBody = z.object({ oauthId: key, roomId: z.number().int().positive().optional() });
const authorizeBody = z.object({ oauthId: key });

/**
 * What the room page and the JavaScript API bridge ask the server: the "+" menu, opening a dialog
 * (after the first-use authorization), and the answers to `HipChat.auth`, `.user` and `.room` calls.
 */
export function dialogsRouter(deps: UiDeps): Router {
  const { world, installer } = deps;
  const router = Router();

  router.get('/chat/room/:id/actions', (req, res) => {
    const user = currentUser(req, world);
    const room = visibleRoom(world, req.params.id, user);
    res.set('Cache-Control', 'no-store').json({ actions: inputActions(installer.covering(room.id), room, user) });
  });

  router.post('/chat/room/:id/open', json, (req, res) => {
    const user = currentUser(req, world);
    const room = visibleRoom(world, req.params.id, user);
    const body = parse(openBody, req.body);
    const installation = covering(body.oauthId, room);
    const target = resolveTarget(installation, 'action' in body ? { action: body.action } : 'glance' in body ? { glance: body.glance } : { dialog: 'dialog' in body ? body.dialog : body.webPanel });
    if (!target) throw new UiError(404, `${installation.descriptor.name} has no ${'glance' in body ? `glance "${body.glance}"` : `input action "${'action' in body ? body.action : ''}"`}`);
    if (target.kind === 'unsupported') throw new UiError(400, target.message);
    const { descriptor } = installation;
    if (!world.hasAuthorized(user.id, descriptor.key)) {
      const scopes = descriptor.capabilities?.hipchatApiConsumer?.scopes ?? [];
      res.json({
        kind: 'authorize',
        oauthId: installation.oauthId,
        addon: { key: descriptor.key, name: descriptor.name, description: descriptor.description, icon: addonIcon(descriptor) ?? null },
        scopes: scopes.map((scope) => deps.scopes[scope] ?? { id: scope, name: scope, description: '' }),
      });
      return;
    }
    const module = target.kind === 'dialog' ? target.dialog : target.kind === 'webPanel' ? target.panel : target.page;
    const location = safeUrl(module.url);
    if (!location) throw new UiError(400, `${descriptor.name}'s "${module.key}" URL is not an absolute http(s) URL`);
    const url = module.authentication === 'none' ? location : deps.pageUrl(installation.oauthId, location, { userId: user.id, roomId: room.id });
    if (target.kind === 'externalPage') res.json({ kind: 'externalPage', url });
    else if (target.kind === 'webPanel') res.json({ kind: 'webPanel', panel: { oauthId: installation.oauthId, key: target.panel.key, name: target.panel.name.value, url } });
    else res.json({ kind: 'dialog', dialog: dialogView(installation.oauthId, target.dialog, target.options, url) });
  });

  /** The user approved the "Authorize" and "Grant access" screens: remembered per user and add-on. */
  router.post('/chat/api/authorize', json, (req, res) => {
    const user = currentUser(req, world);
    const installation = known(parse(authorizeBody, req.body).oauthId);
    world.authorize(user.id, installation.descriptor.key);
    res.status(204).end();
  });

  /** `HipChat.auth.withToken`: a JWT like the page's signed_request, for the user in this browser. */
  router.post('/chat/api/token', json, (req, res) => {
    const user = currentUser(req, world);
    const body = parse(tokenBody, req.body);
    const installation = known(body.oauthId);
    if (body.roomId === undefined) {
      if (!mayConfigure(installation, user, world)) throw new UiError(403, 'Only those who may configure this integration get a token outside a room');
    } else {
      covering(installation.oauthId, visibleRoom(world, String(body.roomId), user));
    }
    const token = deps.signJwt(installation.oauthId, { userId: user.id, ...(body.roomId === undefined ? {} : { roomId: body.roomId }) });
    res.set('Cache-Control', 'no-store').json({ token });
  });

  /** `HipChat.user.getCurrentUser`. */
  router.get('/chat/api/user', (req, res) => {
    const user = currentUser(req, world);
    res.set('Cache-Control', 'no-store').json(deps.views.user(user));
  });

  /** `HipChat.room.getRoomDetails` and `HipChat.room.getParticipants`. */
  router.get('/chat/api/room/:id', (req, res) => {
    res.set('Cache-Control', 'no-store').json(deps.views.room(visibleRoom(world, req.params.id, currentUser(req, world))));
  });

  router.get('/chat/api/room/:id/participants', (req, res) => {
    const room = visibleRoom(world, req.params.id, currentUser(req, world));
    res.set('Cache-Control', 'no-store').json(deps.views.users(room.participants));
  });

  function known(oauthId: string): Installation {
    const installation = installer.installations.get(oauthId);
    if (!installation) throw new UiError(404, 'That integration is not installed');
    return installation;
  }

  function covering(oauthId: string, room: Room): Installation {
    const installation = known(oauthId);
    if (installation.roomId !== undefined && installation.roomId !== room.id) {
      throw new UiError(403, `${installation.descriptor.name} is installed in another room`);
    }
    return installation;
  }

  return router;
}

function parse<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new UiError(400, `Bad request: ${parsed.error.issues.map((issue) => issue.message).join('; ')}`);
  return parsed.data;
}
