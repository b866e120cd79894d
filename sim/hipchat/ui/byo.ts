import express, { Router, type Request } from 'express';
import type { RoomIntegrations } from '../room-integrations';
import { mayAdminister } from './access';
import { byoCreatedMain } from './byo-page';
import type { UiDeps } from './deps';
import { UiError } from './errors';
import { page } from './layout';
import { currentUser } from './session';

const form = express.urlencoded({ extended: false, limit: '16kb' });

/** Creating and deleting "Build your own integration"s: group admins, and the owner of the room. */
export function byoRouter(deps: UiDeps & { integrations: RoomIntegrations }): Router {
  const { world, integrations, sessions } = deps;
  const router = Router();

  router.post('/addons/byo', form, (req, res) => {
    const user = currentUser(req, world);
    const room = world.rooms.get(Number(field(req, 'roomId')));
    if (!room) throw new UiError(400, 'Choose the room the integration posts to');
    if (!mayAdminister(room, user)) throw new UiError(403, `Only the owner of ${room.name} or a group admin can build an integration for it`);
    if (room.is_archived) throw new UiError(400, `${room.name} is archived`);
    const name = field(req, 'name').trim();
    if (name.length < 1 || name.length > 100) throw new UiError(400, 'Give the integration a name of 1 to 100 characters');
    const created = integrations.create(room.id, name, user.id);
    res.set('Cache-Control', 'no-store').type('html').send(
      page({ title: name, world, user, section: 'integrations', main: byoCreatedMain(created, world), path: '/addons' }).value,
    );
  });

  router.post('/addons/byo/:id/delete', (req, res) => {
    const user = currentUser(req, world);
    const integration = integrations.get(Number(req.params.id));
    const room = integration ? world.rooms.get(integration.roomId) : undefined;
    if (!integration || !room) throw new UiError(404, 'That integration does not exist');
    if (!mayAdminister(room, user)) throw new UiError(403, `Only the owner of ${room.name} or a group admin can delete its integrations`);
    integrations.delete(integration.id);
    sessions.notify(user.id, { kind: 'success', text: `${integration.name} is deleted; its URL no longer works.` });
    res.redirect(303, '/addons');
  });

  return router;
}

function field(req: Request, name: string): string {
  const value = (req.body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : '';
}
