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

// The delivery-queue bench shortens HipChat's flood-control window (30 notices per room in it) so
// that "exactly at the limit" takes seconds, not minutes, and can lift the per-token rate limit.
const floodWindowMs = process.env.BENCH_SIM_FLOOD_WINDOW_MS ? Number(process.env.BENCH_SIM_FLOOD_WINDOW_MS) : undefined;
const hipchat = await startHipChatSim({
  limits: {
    ...(floodWindowMs ? { floodControl: { limit: 30, windowMs: floodWindowMs } } : {}),
    ...(process.env.BENCH_SIM_RATE_LIMIT === 'off' ? { rateLimit: { limit: Number.MAX_SAFE_INTEGER, windowMs: 5 * 60_000 } } : {}),
  },
});
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
    /** Three-letter starts of the directory's names: candidates for searches that match several pages. */
    namePrefixes(): string[] {
      return [...new Set(xmatters.directory.people.flatMap((p) => [p.firstName.slice(0, 3), p.lastName.slice(0, 3)]))].filter((q) => q.length === 3);
    },
    /** Global installations of the add-on in the simulated group (descriptor, installed callback, token grant). */
    async installMany(arg): Promise<Installed[]> {
      const { descriptorUrl, count } = arg as { descriptorUrl: string; count: number };
      const made: Installed[] = [];
      for (let i = 0; i < count; i++) {
        const outcome = await hipchat.install(descriptorUrl);
        if (outcome.status !== 204 || !outcome.installation) throw new Error(`install answered ${outcome.status}: ${outcome.body}`);
        made.push({ oauthId: outcome.installation.oauthId, oauthSecret: outcome.installation.oauthSecret });
      }
      return made;
    },
    /** Rooms of the simulated group that notices can go to. */
    async rooms(arg): Promise<number[]> {
      const { count, prefix } = typeof arg === 'number' ? { count: arg, prefix: 'Bench room' } : (arg as { count: number; prefix: string });
      const rooms: number[] = [];
      for (let i = 0; i < count; i++) rooms.push((await hipchat.createRoom({ name: `${prefix} ${i}`, ownerId: 1 })).roomId);
      return rooms;
    },
    /** HipChat's flood control (30 notifications a minute per room) on or off. */
    floodControl(arg) {
      hipchat.faults.floodControl = arg === true;
      return hipchat.faults.floodControl;
    },
    /** Token grants the simulator has made to each client, and room notifications it has accepted. */
    tokenCounts(arg): Record<string, number> {
      return Object.fromEntries((arg as string[]).map((oauthId) => [oauthId, hipchat.tokenRequests(oauthId)]));
    },
    /** 429s the simulator answered because a limit was reached (flood control, rate limit). */
    limitRefusals: () => hipchat.limitRefusals(),
    /** When each notification of the rooms arrived (ms since the epoch), per room. */
    notificationTimes(arg): number[][] {
      return (arg as number[]).map((roomId) => hipchat.notifications(roomId).map((n) => Date.parse(n.date)));
    },
    notificationCount(arg): number {
      return (arg as number[]).reduce((sum, roomId) => sum + hipchat.notifications(roomId).length, 0);
    },
    /** How many xMatters API calls the simulator has answered (the last 5000 are kept). */
    apiCalls: () => xmatters.requests.filter((r) => r.path.startsWith('/api/')).length,
  },
  async () => {
    await hipchat.close();
    await xmatters.close();
  },
);
