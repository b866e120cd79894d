import assert from 'node:assert/strict';
import request from 'supertest';
import type { AddonOptions } from '../../app';
import { startHipChatSim, type HipChatSim } from '../../sim/hipchat/server';
import { startXMattersSim, type XMattersSim, type XMattersSimOptions } from '../../sim/xmatters/server';
import { startAddon, type RunningAddon } from './addon';

export interface World {
  hipchat: HipChatSim;
  xmatters: XMattersSim;
  addon: RunningAddon;
  close(): Promise<void>;
}

/** Both simulators and the add-on on 127.0.0.1, the add-on trusting both. */
export async function startWorld(options?: AddonOptions, env: Record<string, string> = {}, xmattersOptions: XMattersSimOptions = {}): Promise<World> {
  const hipchat = await startHipChatSim();
  const xmatters = await startXMattersSim(xmattersOptions);
  const addon = await startAddon({
    hipchatAllowedHosts: [new URL(hipchat.baseUrl).host],
    env: { XMATTERS_ALLOWED_HOSTS: xmatters.hostname, ...env },
    ...(options ? { options } : {}),
  });
  return {
    hipchat,
    xmatters,
    addon,
    async close() {
      await addon.close();
      await hipchat.close();
      await xmatters.close();
    },
  };
}

export interface ConfiguredInstallation {
  oauthId: string;
  oauthSecret: string;
  roomId: number | undefined;
  callback: { url: string; username: string; password: string };
}

/**
 * Installs the add-on (into a room, or globally) and saves its xMatters settings the way an admin does
 * on the configure tab (Alice, user 1, is the group admin); then, as the xMatters admin, points the
 * default plan's outbound integrations at the callback URL and credentials the configure tab shows.
 */
export async function installAndConfigure(world: World, roomId?: number): Promise<ConfiguredInstallation> {
  const installed = await world.hipchat.install(world.addon.descriptorUrl, roomId === undefined ? {} : { roomId });
  assert.equal(installed.status, 204, installed.body);
  const { oauthId, oauthSecret } = installed.installation!;
  const token = world.hipchat.signJwt(oauthId, { userId: 1, ...(roomId === undefined ? {} : { roomId }) });
  const res = await request(world.addon.addon.app)
    .post('/configure/api/settings')
    .set('Authorization', `JWT ${token}`)
    .send({ hostname: world.xmatters.baseUrl, username: 'hipchat', password: 'hipchat-pass', inviteUrl: world.xmatters.inviteUrl });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const { callback } = res.body as { callback: ConfiguredInstallation['callback'] };
  world.xmatters.setOutboundUrl(callback.url, { username: callback.username, password: callback.password });
  return { oauthId, oauthSecret, roomId, callback };
}
