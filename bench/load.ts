import autocannon from 'autocannon';

// Closed-loop load with autocannon: `connections` keep-alive connections, each sending its next request
// when the previous answer is in, for a warm-up and then a measured stretch. `request(i)` makes the i-th
// request (i counts on across warm-up and measurement), so every request can carry its own JWT.

export interface RequestShape {
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export interface LoadSpec {
  baseUrl: string;
  connections: number;
  warmupSeconds: number;
  seconds: number;
  request(i: number): RequestShape;
  /** The one status every answer must have. */
  expectStatus: number;
}

export interface LoadResult {
  requests: number;
  seconds: number;
  rps: number;
  /** autocannon's latency histogram: whole milliseconds. */
  p50: number;
  p99: number;
  /** CPU (user + system) of this, the client, process over the measured stretch, µs. */
  clientCpuMicros: number;
}

const REQUEST_TIMEOUT_SECONDS = 10;

export async function runLoad(spec: LoadSpec, measured: { before(): Promise<void>; after(): Promise<void> }): Promise<LoadResult> {
  let next = 0;
  const run = async (seconds: number) => {
    const result = await autocannon({
      url: spec.baseUrl,
      connections: spec.connections,
      duration: seconds,
      timeout: REQUEST_TIMEOUT_SECONDS,
      requests: [{ setupRequest: () => ({ ...spec.request(next++) }) }],
    });
    // A row of refusals (a missing endpoint, a rejected token) measures nothing: the bench fails.
    const statuses = Object.entries(result.statusCodeStats ?? {}).map(([status, { count }]) => `${count ?? 0} × HTTP ${status}`);
    const good = result.statusCodeStats?.[`${spec.expectStatus}`]?.count ?? 0;
    if (result.errors > 0 || result.timeouts > 0 || good !== result.requests.total || good === 0) {
      throw new Error(
        `${spec.request(0).method} ${spec.request(0).path.split('?')[0]}: expected only HTTP ${spec.expectStatus}, got ${statuses.join(', ') || 'no answers'}` +
          ` (${result.errors} errors, ${result.timeouts} timeouts); the bench is not measuring what it says`,
      );
    }
    return result;
  };
  await run(spec.warmupSeconds);
  await measured.before();
  const cpuBefore = process.cpuUsage();
  const result = await run(spec.seconds);
  const cpu = process.cpuUsage(cpuBefore);
  await measured.after();
  const seconds = result.duration;
  return {
    requests: result.requests.total,
    seconds,
    rps: result.requests.total / seconds,
    p50: result.latency.p50,
    p99: result.latency.p99,
    clientCpuMicros: cpu.user + cpu.system,
  };
}
