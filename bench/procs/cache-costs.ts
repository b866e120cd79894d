import { performance } from 'node:perf_hooks';
import { verifyJwt } from '../../lib/hipchat/jwt';
import type { InstallationCache } from '../../lib/hipchat/installations';

export interface CallCost {
  name: string;
  iterations: number;
  meanMicros: number;
}

const TIME_LIMIT_MS = 5000;

/** Mean cost of one call, calls made one after another inside the add-on's process. */
export async function cacheCosts(installations: InstallationCache, opts: { oauthId: string; token: string; iterations: number }): Promise<CallCost[]> {
  const time = async (name: string, call: () => Promise<unknown>): Promise<CallCost> => {
    for (let i = 0; i < 100; i++) await call();
    const start = performance.now();
    let n = 0;
    while (n < opts.iterations && performance.now() - start < TIME_LIMIT_MS) {
      await call();
      n++;
    }
    return { name, iterations: n, meanMicros: ((performance.now() - start) * 1000) / n };
  };
  return [
    await time('InstallationCache.get (memory)', () => installations.get(opts.oauthId)),
    await time('InstallationCache.refresh (database read + unseal)', () => installations.refresh(opts.oauthId)),
    await time('verifyJwt (installation from memory)', () => verifyJwt(opts.token, installations, false)),
  ];
}
