import type { HipChatSim } from '../../sim/hipchat/server';
import type { XMattersSim } from '../../sim/xmatters/server';

/** One room installation of the add-on, set up by the room's admin, with its own copy of the plan in xMatters. */
export interface RoomSetUp {
  roomId: number;
  oauthId: string;
  /** The alert source's intake URL, secret included. */
  alertUrl: string;
}

/** Alice Admin (user 1, the group admin) on the configure tab of `oauthId` in `roomId`. */
export const asAlice = (hipchat: HipChatSim, oauthId: string, roomId: number) => ({ authorization: `JWT ${hipchat.signJwt(oauthId, { userId: 1, roomId })}` });

async function call(what: string, url: string, init: RequestInit): Promise<Response> {
  const res = await fetch(url, init);
  if (!res.ok) throw new Error(`${what} failed: HTTP ${res.status} ${await res.text()}`);
  return res;
}

/**
 * Installs the add-on into a new room from its descriptor URL and sets it up as the admins would (as
 * sim/demo.ts does): Test Authentication and Save Settings, download the plan, import it into xMatters
 * with the callback password, access and sender permissions, rename it after the room (xMatters plan
 * names are unique, and every room installation has callback credentials of its own), save the Invite
 * to Room URL, and add an alert source posting to the room.
 */
export async function setUpRoom(opts: { hipchat: HipChatSim; xmatters: XMattersSim; addonUrl: string; index: number }): Promise<RoomSetUp> {
  const { hipchat, xmatters, addonUrl, index } = opts;
  const { roomId } = await hipchat.createRoom({ name: `Chaos room ${index + 1}`, privacy: 'public', ownerId: 1 });
  const installed = await hipchat.install(`${addonUrl}/atlassian-connect.json`, { roomId });
  if (!installed.installation) throw new Error(`Installing into room ${roomId} failed: HTTP ${installed.status} ${installed.body}`);
  const oauthId = installed.installation.oauthId;
  const headers = () => ({ ...asAlice(hipchat, oauthId, roomId), 'content-type': 'application/json' });
  const connection = { hostname: xmatters.baseUrl, username: xmatters.credentials.username, password: xmatters.credentials.password };

  const saved = await call('Save Settings', `${addonUrl}/configure/api/settings`, { method: 'POST', headers: headers(), body: JSON.stringify({ ...connection, inviteUrl: '' }) });
  const { callback } = (await saved.json()) as { callback: { password?: string } };
  if (!callback.password) throw new Error('Save Settings gave no callback password');
  const plan = await call('Downloading the plan', `${addonUrl}/configure/api/plan`, { headers: asAlice(hipchat, oauthId, roomId) });
  const imported = xmatters.importPlan(new Uint8Array(await plan.arrayBuffer()));
  xmatters.renamePlan(imported.plan.id, `${imported.plan.name} (room ${roomId})`);
  const user = xmatters.credentials.username;
  xmatters.setPlanAccess(imported.plan.id, [...imported.plan.access, user]);
  for (const form of imported.plan.forms) xmatters.setFormSenders(form.id, [...form.senders, user]);
  for (const endpoint of imported.plan.endpoints) xmatters.setEndpoint(imported.plan.id, endpoint.name, { password: callback.password });
  const inviteUrl = imported.inbound[0]?.url;
  if (!inviteUrl) throw new Error('The imported plan has no inbound integration');
  await call('Save Settings with the Invite to Room URL', `${addonUrl}/configure/api/settings`, { method: 'POST', headers: headers(), body: JSON.stringify({ ...connection, password: '', inviteUrl }) });

  // A monitor posting as HipChat's room notification API would (kind "hipchat"); no rules, so nothing
  // it posts invites anyone, and each alert's key is its message text.
  const created = await call('Creating the alert source', `${addonUrl}/configure/api/alert-sources`, {
    method: 'POST',
    headers: headers(),
    body: JSON.stringify({ name: 'Chaos monitor', kind: 'hipchat', rooms: [], template: null, alertKey: '', dedupeMinutes: 60, rules: [], inviteWindowMinutes: 60 }),
  });
  const { secret } = (await created.json()) as { secret: { urlWithSecret: string } };
  return { roomId, oauthId, alertUrl: secret.urlWithSecret };
}
