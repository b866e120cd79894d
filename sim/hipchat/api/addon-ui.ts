import { Router } from 'express';
import { z } from 'zod';
import { ApiError } from '../errors';
import { glanceContentSchema, glanceModules, type GlanceStore } from '../glances';
import type { Installer } from '../installations';
import type { World } from '../state';
import { oauthIdOf } from '../tokens';
import { requireScope, tokenOf } from './auth';
import { roomFor } from './room-access';

const updateSchema = z.object({
  glance: z
    .array(z.object({ key: z.string({ error: 'glance[].key must be a string' }), content: glanceContentSchema }, { error: 'each glance update is {key, content}' }), {
      error: 'glance must be an array of {key, content}',
    })
    .min(1, { error: 'glance must name at least one glance' })
    .max(40, { error: 'at most 40 glances at once' }),
});

/**
 * `POST addon/ui/room/{roomId}` [view_room] `{"glance":[{"key","content"}]}` → 204 (docs §5: ACNH,
 * ACFH `clients.py`, GS; oswynb/hipchat-hs `RoomAddonUIUpdate` is `PostNoContent`). The keys are the
 * calling add-on's own glance keys; open room pages show the new content without a reload.
 */
export function addonUiRouter(world: World, installer: Installer, glances: GlanceStore): Router {
  const router = Router();
  router.post('/addon/ui/room/:room', requireScope('view_room'), (req, res) => {
    if (!/^\d+$/.test(String(req.params.room))) throw new ApiError(400, 'roomId must be a room id');
    const room = roomFor(world, req, res);
    const oauthId = oauthIdOf(tokenOf(res).principal);
    const installation = oauthId === undefined ? undefined : installer.installations.get(oauthId);
    if (!installation) throw new ApiError(403, 'Only an add-on can update its glances');
    const parsed = updateSchema.safeParse(req.body ?? {});
    if (!parsed.success) {
      throw new ApiError(400, parsed.error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`).join('; '));
    }
    const keys = new Set(glanceModules(installation.descriptor).map((glance) => glance.key));
    const unknown = parsed.data.glance.filter((update) => !keys.has(update.key)).map((update) => update.key);
    if (unknown.length > 0) throw new ApiError(400, `${installation.descriptor.name} declares no glance with the key ${unknown.join(', ')}`);
    for (const update of parsed.data.glance) glances.push(room.id, installation.oauthId, update.key, update.content);
    res.status(204).end();
  });
  return router;
}
