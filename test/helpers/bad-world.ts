import assert from 'node:assert/strict';
import type { Probe } from './bad-input';
import { send } from './raw-http';
import { installAndConfigure, startWorld, type ConfiguredInstallation, type World } from './world';

/**
 * One world per bad-input file: both simulators and the add-on with its delivery queue stopped, so that
 * nothing but the request under test writes to the database between two snapshots.
 */
export interface BadInputWorld {
  world: World;
  /** Configured, for every room of the group. */
  global: ConfiguredInstallation;
  /** Configured, in room 101 ("Incident 42") only. */
  room: ConfiguredInstallation;
  probe: Probe;
}

export const ALICE = { id: 1, name: 'Alice Admin', mention_name: 'alice' };

export async function startBadInputWorld(): Promise<BadInputWorld> {
  const world = await startWorld({ startWorker: false });
  const global = await installAndConfigure(world);
  const room = await installAndConfigure(world, 101);
  const installs = [global, room];
  const probe: Probe = {
    baseUrl: world.addon.baseUrl,
    db: world.addon.addon.db,
    logs: world.addon.logs,
    secrets: () => [
      ...installs.flatMap((i) => [i.oauthSecret, i.callback.password]),
      ...[...world.hipchat.installations.values()].map((i) => i.oauthSecret),
      world.xmatters.credentials.password,
    ],
  };
  return { world, global, room, probe };
}

/** The token the add-on gives a page HipChat loads (the "+" dialog, or the configure tab) for the page's own calls. */
export async function pageToken(world: World, oauthId: string, subject: { userId: number; roomId?: number }, page = '/invite/dialog'): Promise<string> {
  const url = new URL(world.hipchat.pageUrl(oauthId, `${world.addon.baseUrl}${page}`, subject));
  const res = await send(world.addon.baseUrl, { method: 'GET', path: url.pathname + url.search });
  const token = /<meta name="token" content="([^"]+)">/.exec(res.text)?.[1];
  assert.ok(token, `${page} gives a page token: ${res.status} ${res.text.slice(0, 200)}`);
  return token;
}
