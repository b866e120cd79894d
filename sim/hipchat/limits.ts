export interface WindowState {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Unix seconds when the window starts over. */
  reset: number;
}

/** A fixed-window counter per key: HipChat's rate limit (500 / 5 min per token) and flood control (30 / min per room). */
export class WindowCounter {
  private readonly windows = new Map<string, { start: number; count: number }>();
  /** Requests refused with 429 so far. */
  refused = 0;

  constructor(
    readonly limit: number,
    private readonly windowMs: number,
  ) {}

  /** Counts one request unless the window is already full. */
  hit(key: string, now = Date.now()): WindowState {
    let window = this.windows.get(key);
    if (!window || now >= window.start + this.windowMs) {
      window = { start: now, count: 0 };
      this.windows.set(key, window);
    }
    const allowed = window.count < this.limit;
    if (allowed) window.count += 1;
    else this.refused += 1;
    return {
      allowed,
      limit: this.limit,
      remaining: this.limit - window.count,
      reset: Math.ceil((window.start + this.windowMs) / 1000),
    };
  }
}

/** Authenticated REST calls received per installation (refused ones too), for tests to compare with a client's own count. */
export class CallLog {
  private readonly counts = new Map<string, number>();

  add(oauthId: string): void {
    this.counts.set(oauthId, this.count(oauthId) + 1);
  }

  count(oauthId: string): number {
    return this.counts.get(oauthId) ?? 0;
  }
}
