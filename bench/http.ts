import http from 'node:http';
import { performance } from 'node:perf_hooks';

// One HTTP exchange over a keep-alive agent, timed from the request's start to the last body byte.

export interface Exchange {
  status: number;
  ms: number;
  body: string;
}

export interface RequestSpec {
  method: 'GET' | 'POST';
  url: URL;
  headers?: Record<string, string>;
  body?: string;
  /** Keep the answer's body (otherwise it is read and dropped). */
  keepBody?: boolean;
}

const REQUEST_TIMEOUT_MS = 10_000;

export function keepAliveAgent(sockets: number): http.Agent {
  return new http.Agent({ keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets });
}

export function exchange(agent: http.Agent, spec: RequestSpec): Promise<Exchange> {
  const start = performance.now();
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { ...spec.headers };
    if (spec.body !== undefined) headers['content-length'] = Buffer.byteLength(spec.body);
    const req = http.request(spec.url, { method: spec.method, agent, headers, timeout: REQUEST_TIMEOUT_MS }, (res) => {
      const chunks: Buffer[] = [];
      if (spec.keepBody) res.on('data', (chunk: Buffer) => chunks.push(chunk));
      else res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - start, body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`)));
    req.on('error', reject);
    req.end(spec.body);
  });
}
