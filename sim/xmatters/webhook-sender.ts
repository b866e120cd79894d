import type { ActivityStream } from './activity';
import { maskUrl } from './activity';

// Delivers webhooks the way xMatters does: a JSON POST, retried a few times when the receiver
// fails; webhooks of one event go out in order. Each attempt's outcome lands in the sending
// integration's Activity Stream.

export interface WebhookTarget {
  url: string;
  headers: Record<string, string>;
  /** The outbound integration, or null for a legacy per-event callback. */
  integration: string | null;
  activity: ActivityStream | null;
}

export interface Delivery {
  url: string;
  /** The trigger kind (RESPONSE, STATUS, …) or, for legacy callbacks, their type. */
  kind: string;
  integration: string | null;
  eventIdentifier: number;
  payload: Record<string, unknown>;
  attempts: number;
  /** The receiver's last HTTP status, or null when it could not be reached. */
  status: number | null;
  ok: boolean;
}

const RETRY_DELAYS_MS = [250, 1000, 2000];
const TIMEOUT_MS = 5000;
const MAX_DELIVERIES = 5000;

export class WebhookSender {
  readonly deliveries: Delivery[] = [];
  private readonly chains = new Map<number, Promise<void>>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly closing = new AbortController();

  /** Queue `payload` for each target, after the webhooks already queued for `eventIdentifier`. */
  send(eventIdentifier: number, kind: string, payload: Record<string, unknown>, targets: WebhookTarget[]): void {
    if (targets.length === 0 || this.closing.signal.aborted) return;
    const previous = this.chains.get(eventIdentifier) ?? Promise.resolve();
    const next = previous.then(async () => {
      for (const target of targets) await this.deliver(eventIdentifier, target, kind, payload);
    });
    this.chains.set(eventIdentifier, next);
    this.inFlight.add(next);
    void next.finally(() => {
      this.inFlight.delete(next);
      if (this.chains.get(eventIdentifier) === next) this.chains.delete(eventIdentifier);
    });
  }

  busy(): boolean {
    return this.inFlight.size > 0;
  }

  /** Resolves when every queued webhook has been delivered or given up on. */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  close(): void {
    this.closing.abort();
  }

  private async deliver(eventIdentifier: number, target: WebhookTarget, kind: string, payload: Record<string, unknown>): Promise<void> {
    const delivery: Delivery = { url: target.url, kind, integration: target.integration, eventIdentifier, payload, attempts: 0, status: null, ok: false };
    this.deliveries.push(delivery);
    if (this.deliveries.length > MAX_DELIVERIES) this.deliveries.splice(0, this.deliveries.length - MAX_DELIVERIES);
    const headers = { 'Content-Type': 'application/json', ...target.headers };
    const body = JSON.stringify(payload);
    const log: string[] = [];
    let responseBody = '';
    for (let attempt = 0; attempt <= RETRY_DELAYS_MS.length && !this.closing.signal.aborted; attempt++) {
      if (attempt > 0) await sleep(RETRY_DELAYS_MS[attempt - 1] ?? 0, this.closing.signal);
      if (this.closing.signal.aborted) return;
      delivery.attempts += 1;
      try {
        const res = await fetch(target.url, {
          method: 'POST',
          headers,
          body,
          redirect: 'manual',
          signal: AbortSignal.any([this.closing.signal, AbortSignal.timeout(TIMEOUT_MS)]),
        });
        responseBody = await res.text().catch(() => '');
        delivery.status = res.status;
        log.push(`Attempt ${delivery.attempts}: HTTP ${res.status}`);
        if (res.ok) {
          delivery.ok = true;
          break;
        }
      } catch (error) {
        delivery.status = null;
        responseBody = '';
        log.push(`Attempt ${delivery.attempts}: ${(error as Error).message}`);
      }
    }
    target.activity?.add({
      title: `${delivery.ok ? 'Sent' : 'Failed to send'} ${kind} webhook for event ${eventIdentifier}`,
      outcome: delivery.ok ? 'ok' : 'error',
      eventIdentifier,
      request: { method: 'POST', url: maskUrl(target.url), headers, body },
      response: { status: delivery.status, body: responseBody },
      log,
    });
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
