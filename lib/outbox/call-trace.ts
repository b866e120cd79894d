import { AsyncLocalStorage } from 'node:async_hooks';
import { AxiosError, type AxiosInstance } from 'axios';

// What a job's run said to its peers: the delivery queue runs each handler inside a trace, and the
// HTTP clients for HipChat and xMatters note every answer into the trace of the run they belong to,
// so the activity log knows the peer and the status code without the handlers passing them along.

export type Peer = 'hipchat' | 'xmatters';

export interface CallTrace {
  calls: number;
  /** The peer of the last call, and the status it answered (null: no answer, e.g. a timeout). */
  last: { peer: Peer; status: number | null } | null;
}

const current = new AsyncLocalStorage<CallTrace>();

export function traced<T>(work: () => Promise<T>): { trace: CallTrace; result: Promise<T> } {
  const trace: CallTrace = { calls: 0, last: null };
  return { trace, result: current.run(trace, work) };
}

function note(peer: Peer, status: number | null): void {
  const trace = current.getStore();
  if (!trace) return;
  trace.calls += 1;
  trace.last = { peer, status };
}

/** Notes every answer (or its absence) of `http` into the running job's trace; outside a job it does nothing. */
export function traceCalls(http: AxiosInstance, peer: Peer): void {
  http.interceptors.response.use(
    (res) => {
      note(peer, res.status);
      return res;
    },
    (error: unknown) => {
      note(peer, error instanceof AxiosError && error.response ? error.response.status : null);
      throw error;
    },
  );
}
