// Delivers callbacks the way xMatters does: a JSON POST with HTTP Basic, retried a few times
// when the receiver fails. Callbacks of one event go out in order.

export interface CallbackTarget {
  url: string;
  username?: string;
  password?: string;
}

export interface Delivery {
  url: string;
  type: 'status' | 'deliveryStatus' | 'response';
  payload: Record<string, unknown>;
  attempts: number;
  /** The receiver's last HTTP status, or null when it could not be reached. */
  status: number | null;
  ok: boolean;
}

const RETRY_DELAYS_MS = [250, 1000, 2000];
const TIMEOUT_MS = 5000;

export class CallbackSender {
  readonly deliveries: Delivery[] = [];
  private readonly chains = new Map<number, Promise<void>>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly closing = new AbortController();

  /** Queue `payload` for each target, after the callbacks already queued for `eventIdentifier`. */
  send(eventIdentifier: number, type: Delivery['type'], payload: Record<string, unknown>, targets: CallbackTarget[]): void {
    if (targets.length === 0 || this.closing.signal.aborted) return;
    const previous = this.chains.get(eventIdentifier) ?? Promise.resolve();
    const next = previous.then(async () => {
      for (const target of targets) await this.deliver(target, type, payload);
    });
    this.chains.set(eventIdentifier, next);
    this.inFlight.add(next);
    void next.finally(() => {
      this.inFlight.delete(next);
      if (this.chains.get(eventIdentifier) === next) this.chains.delete(eventIdentifier);
    });
  }

  /** Resolves when every queued callback has been delivered or given up on. */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  close(): void {
    this.closing.abort();
  }

  private async deliver(target: CallbackTarget, type: Delivery['type'], payload: Record<string, unknown>): Promise<void> {
    const delivery: Delivery = { url: target.url, type, payload, attempts: 0, status: null, ok: false };
    this.deliveries.push(delivery);
    const headers: Record<string, string> = { 'Content-Type': 'application/json' };
    if (target.username !== undefined) {
      headers.Authorization = `Basic ${Buffer.from(`${target.username}:${target.password ?? ''}`).toString('base64')}`;
    }
    for (let attempt = 0; attempt <= RETRY_DELAYS_MS.length && !this.closing.signal.aborted; attempt++) {
      if (attempt > 0) await sleep(RETRY_DELAYS_MS[attempt - 1] ?? 0, this.closing.signal);
      if (this.closing.signal.aborted) return;
      delivery.attempts += 1;
      try {
        const res = await fetch(target.url, {
          method: 'POST',
          headers,
          body: JSON.stringify(payload),
          redirect: 'manual',
          signal: AbortSignal.any([this.closing.signal, AbortSignal.timeout(TIMEOUT_MS)]),
        });
        await res.arrayBuffer().catch(() => undefined);
        delivery.status = res.status;
        if (res.ok) {
          delivery.ok = true;
          return;
        }
      } catch {
        delivery.status = null;
      }
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
