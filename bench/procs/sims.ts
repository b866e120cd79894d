import { startHipChatSim } from '../../sim/hipchat/server';
import { startXMattersSim } from '../../sim/xmatters/server';
import { serveParent } from '../ipc';

// Both simulators, in a process of their own so that the add-on's process holds only the add-on.

export interface SimsInfo {
  hipchatHost: string;
  xmattersBaseUrl: string;
  xmattersHostname: string;
  inviteUrl: string;
  credentials: { username: string; password: string };
}

export interface Installed {
  oauthId: string;
  oauthSecret: string;
}

const hipchat = await startHipChatSim();
const xmatters = await startXMattersSim();

const info: SimsInfo = {
  hipchatHost: new URL(hipchat.baseUrl).host,
  xmattersBaseUrl: xmatters.baseUrl,
  xmattersHostname: xmatters.hostname,
  inviteUrl: xmatters.inviteUrl,
  credentials: xmatters.credentials,
};

serveParent(
  info,
  {
    /** HipChat installs the add-on (descriptor, installed callback, token grant), as an admin would. */
    async install(arg): Promise<Installed> {
      const { descriptorUrl, roomId } = arg as { descriptorUrl: string; roomId: number };
      const outcome = await hipchat.install(descriptorUrl, { roomId });
      if (outcome.status !== 204 || !outcome.installation) throw new Error(`install answered ${outcome.status}: ${outcome.body}`);
      return { oauthId: outcome.installation.oauthId, oauthSecret: outcome.installation.oauthSecret };
    },
    /** xMatters' added latency before every /api answer. */
    latency(arg) {
      xmatters.faults.latencyMs = Number(arg);
      return xmatters.faults.latencyMs;
    },
    /** `count` "First Last" searches for distinct people of the generated directory, each naming few people. */
    queries(arg): string[] {
      const count = Number(arg);
      const people = xmatters.directory.people;
      const seen = new Set<string>();
      const step = Math.max(1, Math.floor(people.length / (count * 2)));
      for (let i = 0; i < people.length && seen.size < count; i += step) {
        const person = people[i];
        if (person) seen.add(`${person.firstName} ${person.lastName}`);
      }
      return [...seen];
    },
    /** How many xMatters API calls the simulator has answered (the last 5000 are kept). */
    apiCalls: () => xmatters.requests.filter((r) => r.path.startsWith('/api/')).length,
  },
  async () => {
    await hipchat.close();
    await xmatters.close();
  },
);
