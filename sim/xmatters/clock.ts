// Simulated time: every delay the simulator waits (escalation steps, event expiry) is counted in
// simulated minutes of `minuteMs` real milliseconds, so tests can run an hour in a second.

export class SimClock {
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(readonly minuteMs: number) {}

  /** Runs `fn` after `minutes` simulated minutes; the returned function cancels it. */
  afterMinutes(minutes: number, fn: () => void): () => void {
    return this.afterMs(minutes * this.minuteMs, fn);
  }

  afterMs(ms: number, fn: () => void): () => void {
    if (this.closed) return () => {};
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.add(timer);
    return () => {
      clearTimeout(timer);
      this.timers.delete(timer);
    };
  }

  close(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}
