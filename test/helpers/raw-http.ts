import http from 'node:http';
import { connect } from 'node:net';

/** A request exactly as written: the path is sent as given, header values may repeat (an array sends one line each). */
export interface Attempt {
  method: string;
  path: string;
  headers?: Record<string, string | string[]>;
  body?: string | Buffer;
  /** Sent without Content-Length, in chunks. */
  chunked?: boolean;
}

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/**
 * Sends one request on a fresh connection, so a connection the server closes after refusing a request
 * never fails the next one.
 */
export function send(baseUrl: string, attempt: Attempt): Promise<Answer> {
  const { hostname, port } = new URL(baseUrl);
  const body = attempt.body === undefined ? undefined : Buffer.isBuffer(attempt.body) ? attempt.body : Buffer.from(attempt.body, 'utf8');
  const headers: Record<string, string | string[]> = { ...(attempt.headers ?? {}) };
  if (body && !attempt.chunked && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-length')) headers['Content-Length'] = String(body.length);
  return new Promise((resolve, reject) => {
    const req = http.request({ hostname, port, method: attempt.method, path: attempt.path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(30_000, () => req.destroy(new Error(`${attempt.method} ${attempt.path.slice(0, 80)}: no answer within 30 s`)));
    if (body && attempt.chunked) {
      const piece = 64 * 1024;
      for (let at = 0; at < body.length; at += piece) req.write(body.subarray(at, at + piece));
      req.end();
    } else {
      req.end(body);
    }
  });
}

/**
 * Writes bytes no HTTP client would send (control characters in headers, oversized header blocks,
 * conflicting lengths) and reads the answer until the server closes the connection.
 */
export function sendBytes(baseUrl: string, bytes: Buffer | string): Promise<Answer> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    socket.setTimeout(30_000, () => socket.destroy(new Error('no answer within 30 s')));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    // The server may close while bytes are still being written: what it answered before that counts.
    socket.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' || err.code === 'EPIPE' ? socket.destroy() : reject(err)));
    socket.on('close', () => {
      const raw = Buffer.concat(chunks);
      const headEnd = raw.indexOf('\r\n\r\n');
      const head = (headEnd < 0 ? raw : raw.subarray(0, headEnd)).toString('latin1');
      const [statusLine = '', ...lines] = head.split('\r\n');
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0);
      const headers: http.IncomingHttpHeaders = {};
      for (const line of lines) {
        const colon = line.indexOf(':');
        if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      const body = headEnd < 0 ? Buffer.alloc(0) : raw.subarray(headEnd + 4);
      const text = (/chunked/i.test(String(headers['transfer-encoding'] ?? '')) ? unchunk(body) : body).toString('utf8');
      resolve({ status, headers, text });
    });
    socket.end(bytes);
  });
}

function unchunk(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = body.indexOf('\r\n', at);
    const size = lineEnd < 0 ? 0 : parseInt(body.subarray(at, lineEnd).toString('latin1'), 16);
    if (!(size > 0)) return Buffer.concat(parts);
    parts.push(body.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
}
