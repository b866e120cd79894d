/** Every knob of the run, printed above the tables. */
export const PARAMS = {
  webhook: {
    connections: 50,
    warmupSeconds: 1,
    /** The measured stretch of each row. */
    seconds: 4,
    /** Rounds of rows, each with its own baseline run. */
    rounds: 5,
    /** Installations, rooms and users the pre-signed JWTs speak for (one JWT each, used in turn). */
    installations: 1000,
    tokens: 1000,
  },
  lookup: {
    queries: 40,
    multiPageQueries: 10,
    /** Added by the xMatters simulator before every API answer, to look like a remote service. */
    xmattersLatencyMs: 50,
    /** Each row stops after this, whatever the count. */
    timeLimitMs: 15_000,
  },
  memory: {
    installations: 10_000,
    pendingJobs: 1000,
    passes: 3,
    /** Seconds of load per pass, spread over every JWT of the pool (1,000 installations, rooms, users). */
    passSeconds: 3,
  },
  queue: {
    /** HipChat's limits off: notices over installations × rooms (each installation its own rooms). */
    notices: 5000,
    installations: 20,
    rooms: 100,
    timeLimitMs: 60_000,
    /** Flood control on: its window, shortened from HipChat's minute (30 notices per room in it), at both ends. */
    floodWindowMs: 10_000,
    floodRooms: 10,
    floodPerRoom: 100,
    floodTimeLimitMs: 90_000,
  },
  intake: {
    connections: 50,
    warmupSeconds: 1,
    seconds: 5,
  },
  tokens: {
    installations: 100,
    notices: 10_000,
    rooms: 4,
    /** The row stops waiting for the queue after this. */
    timeLimitMs: 180_000,
  },
} as const;
