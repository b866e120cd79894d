/** Every knob of the run, printed above the tables. */
export const PARAMS = {
  webhook: {
    concurrency: 16,
    warmup: 500,
    count: 5000,
    /** Each row (warm-up included) stops after this, whatever the count. */
    timeLimitMs: 20_000,
    /** Distinct pre-signed JWTs, used in turn. */
    tokenPool: 512,
    /** The room the add-on is installed in, and the user entering it (a user no invite is waiting for). */
    roomId: 100,
    userId: 3,
  },
  lookup: {
    queries: 50,
    /** Added by the xMatters simulator before every API answer, to look like a remote service. */
    xmattersLatencyMs: 50,
    /** Each row stops after this, whatever the count. */
    timeLimitMs: 10_000,
  },
  cacheCosts: { iterations: 2000 },
} as const;
