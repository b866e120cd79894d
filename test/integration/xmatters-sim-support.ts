import { readFileSync } from 'node:fs';
import { type IncomingMessage, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { strToU8, zipSync } from 'fflate';

// Shared by the xmatters-sim*.test.ts files: credentials, fixtures, a webhook receiver, a plan zip.

export const AUTH = `Basic ${Buffer.from('hipchat:hipchat-pass').toString('base64')}`;
export const basic = (username: string, password: string) => `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;

export function fixture<T = Record<string, unknown>>(name: string, key = 'payload'): T {
  return (JSON.parse(readFileSync(new URL(`../fixtures/xmatters/${name}`, import.meta.url), 'utf8')) as Record<string, T>)[key] as T;
}

/** A plan export fixture (`files`: path → JSON) as the zip xMatters would give. */
export function zipOf(files: Record<string, unknown>): Uint8Array {
  return zipSync(Object.fromEntries(Object.entries(files).map(([path, json]) => [path, strToU8(JSON.stringify(json))])));
}

export interface Received {
  url: string;
  authorization: string | undefined;
  body: Record<string, unknown>;
}

/** Stands in for a webhook receiver; answers `statuses` in turn, then 200. */
export async function startReceiver(statuses: number[] = []) {
  const received: Received[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    let data = '';
    req.on('data', (chunk: Buffer) => (data += chunk.toString('utf8')));
    req.on('end', () => {
      received.push({ url: req.url ?? '', authorization: req.headers.authorization, body: JSON.parse(data) as Record<string, unknown> });
      res.writeHead(statuses.shift() ?? 200, { 'Content-Type': 'text/plain' }).end('thanks');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    /** The bodies of one kind: told by the field it carries. */
    of: (field: string) => received.filter((r) => field in r.body).map((r) => r.body),
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
