import { performance } from 'node:perf_hooks';
import type { Child } from './ipc';
import { PARAMS } from './params';
import type { AddonInfo } from './procs/addon';
import type { Installed, SimsInfo } from './procs/sims';

// 10,000 room notices across 100 installations through the delivery queue, and the token grants the
// HipChat simulator counted: one per installation per token lifetime is the goal (DESIGN §5: tokens
// cached per installation until shortly before expires_in, fetched once for concurrent callers).

export interface TokenReport {
  installations: number;
  notices: number;
  delivered: number;
  failed: number;
  seconds: number;
  /** Grants per installation: how many installations got 0, 1, 2… */
  grants: Map<number, number>;
  cutShort: boolean;
}

const P = PARAMS.tokens;

export async function benchTokens(sims: Child<SimsInfo>, addon: Child<AddonInfo>): Promise<TokenReport> {
  const installations = await sims.call<Installed[]>('installMany', { descriptorUrl: `${addon.info.baseUrl}/atlassian-connect.json`, count: P.installations });
  const ids = installations.map((i) => i.oauthId);
  const rooms = await sims.call<number[]>('rooms', P.rooms);
  const grantsAtInstall = await sims.call<Record<string, number>>('tokenCounts', ids);
  // The add-on keeps HipChat's flood control itself; HipChat's own is off so that rooms can be shared.
  await sims.call('floodControl', false);
  const started = performance.now();
  const notices = await addon.call<number>('queueNotices', { installations: ids, rooms, perInstallation: P.notices / P.installations });
  let states: Record<string, number> = {};
  while (performance.now() - started < P.timeLimitMs) {
    states = await addon.call<Record<string, number>>('jobStates', ids);
    if ((states.done ?? 0) + (states.failed ?? 0) >= notices) break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  const seconds = (performance.now() - started) / 1000;
  await sims.call('floodControl', true);
  const after = await sims.call<Record<string, number>>('tokenCounts', ids);
  const grants = new Map<number, number>();
  for (const id of ids) {
    const n = (after[id] ?? 0) - (grantsAtInstall[id] ?? 0);
    grants.set(n, (grants.get(n) ?? 0) + 1);
  }
  const delivered = states.done ?? 0;
  const failed = states.failed ?? 0;
  return { installations: ids.length, notices, delivered, failed, seconds, grants, cutShort: delivered + failed < notices };
}
