import { exchange, keepAliveAgent } from './http';
import { startChild } from './ipc';
import { runLoad } from './load';
import { PARAMS } from './params';
import type { AddonInfo } from './procs/addon';
import type { Installed, SimsInfo } from './procs/sims';
import { signedTokens, type SignedFor } from './tokens';

// Alerts posted to an alert source's intake URL as a monitoring tool posts them (a HipChat notification
// body, seed 000; the secret in the URL), by autocannon with many connections, against the add-on as
// `npm start` runs it on SQLite (its default). Every 200 means stored: after the load the bench counts
// the alerts the add-on's database holds and the room notices queued for them; lost = answered 200 but
// not stored (must be 0).

const P = PARAMS.intake;
const ROOM = 100;

export interface IntakeReport {
  connections: number;
  seconds: number;
  accepted: number;
  rps: number;
  p50: number;
  p99: number;
  stored: number;
  notices: number;
  lost: number;
}

export async function benchIntake(): Promise<IntakeReport> {
  const sims = await startChild<SimsInfo>('sims');
  try {
    const addon = await startChild<AddonInfo>('addon', { BENCH_HIPCHAT_HOST: sims.info.hipchatHost, BENCH_XMATTERS_HOST: sims.info.xmattersHostname });
    try {
      const installed = await sims.call<Installed>('install', { descriptorUrl: `${addon.info.baseUrl}/atlassian-connect.json`, roomId: ROOM });
      const path = await createSource(addon.info.baseUrl, installed);
      let before = { alerts: 0, notices: 0 };
      const run = `intake-${Date.now().toString(36)}`;
      const result = await runLoad(
        {
          baseUrl: addon.info.baseUrl,
          connections: P.connections,
          warmupSeconds: P.warmupSeconds,
          seconds: P.seconds,
          // runLoad fails the bench on any answer but 200 (a refusal, an error, a timeout).
          expectStatus: 200,
          request: (i) => ({
            method: 'POST',
            path,
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ color: 'red', message: `Disk space low on db-${i % 97} (${run} #${i})`, notify: true, message_format: 'text' }),
          }),
        },
        {
          // Counted once the warm-up's answers are in; its stragglers may land after, so stored ≥ accepted.
          before: async () => void (before = await addon.call<{ alerts: number; notices: number }>('alertCounts')),
          after: async () => {},
        },
      );
      // Answers still in flight when the measured stretch ends are stored but not counted: let them land.
      await new Promise((resolve) => setTimeout(resolve, 500));
      const after = await addon.call<{ alerts: number; notices: number }>('alertCounts');
      const stored = after.alerts - before.alerts;
      const notices = after.notices - before.notices;
      return { connections: P.connections, seconds: result.seconds, accepted: result.requests, rps: result.rps, p50: result.p50, p99: result.p99, stored, notices, lost: Math.max(0, result.requests - stored) };
    } finally {
      await addon.close();
    }
  } finally {
    await sims.close();
  }
}

/** What the configure tab sends to create an alert source, as Alice (user 1, the group admin); answers the intake path with its secret. */
async function createSource(addonUrl: string, installation: Installed): Promise<string> {
  const [{ token }] = signedTokens([installation], 1, { roomId: ROOM, userId: 1 }) as [SignedFor];
  const agent = keepAliveAgent(1);
  try {
    const answer = await exchange(agent, {
      method: 'POST',
      url: new URL('/configure/api/alert-sources', addonUrl),
      headers: { authorization: `JWT ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Bench monitor', kind: 'hipchat', rooms: [], template: null, alertKey: '', dedupeMinutes: 0, rules: [], inviteWindowMinutes: 60 }),
      keepBody: true,
    });
    if (answer.status !== 201) throw new Error(`creating the alert source got HTTP ${answer.status}: ${answer.body}`);
    const { source, secret } = JSON.parse(answer.body) as { source: { intakeUrl: string }; secret: { secret: string } };
    return `${new URL(source.intakeUrl).pathname}/${secret.secret}`;
  } finally {
    agent.destroy();
  }
}
