import http from 'node:http';
import https from 'node:https';
import axios, { AxiosError, type AxiosInstance } from 'axios';
import { RequestFilteringHttpsAgent } from 'request-filtering-agent';
import { isUrlHostAllowed } from './hosts';

// HTTP for hosts an admin typed. Only https to public addresses, unless the host is in the
// operator's allow list (e.g. an on-premise instance or a local simulator). Private addresses are
// refused by request-filtering-agent when the socket connects, after DNS, so a name that
// resolves (or re-resolves) to 10.x, 127.x or 169.254.x is never reached.

export interface OutboundHttpOptions {
  allowedHosts: readonly string[];
  timeoutMs: number;
}

const MAX_RESPONSE_BYTES = 5 * 1024 * 1024;

export class OutboundRefusedError extends Error {
  override readonly name = 'OutboundRefusedError';
  constructor(
    readonly reason: 'private_address' | 'insecure_scheme',
    readonly host: string,
    readonly address?: string,
  ) {
    super(
      reason === 'private_address'
        ? `Refused to connect to ${host}: it resolves to the private or local address ${address ?? ''}`.trim()
        : `Refused to call ${host} over plain http: only https is allowed for hosts outside the allow list`,
    );
  }
}

// request-filtering-agent reports a refused address with a plain Error whose message starts like this.
const FILTERED_ADDRESS = /^DNS lookup (\S+?)\(family:.* is not allowed\./;

export function createOutboundHttp(options: OutboundHttpOptions): AxiosInstance {
  const trusted = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };
  // Only https reaches a host outside the list, so only https needs the filtering agent.
  const filteredHttps = new RequestFilteringHttpsAgent({ keepAlive: true });

  const instance = axios.create({
    timeout: options.timeoutMs,
    maxRedirects: 0,
    proxy: false,
    maxContentLength: MAX_RESPONSE_BYTES,
  });

  instance.interceptors.request.use((config) => {
    const url = new URL(instance.getUri(config));
    const hostAllowed = isUrlHostAllowed(url, options.allowedHosts);
    if (url.protocol !== 'https:' && !hostAllowed) {
      throw new OutboundRefusedError('insecure_scheme', url.host);
    }
    config.httpAgent = trusted.http;
    config.httpsAgent = hostAllowed ? trusted.https : filteredHttps;
    return config;
  });

  instance.interceptors.response.use(undefined, (error: unknown) => {
    if (error instanceof AxiosError && error.cause instanceof Error) {
      const match = FILTERED_ADDRESS.exec(error.cause.message);
      if (match) {
        const host = error.config?.url ? new URL(instance.getUri(error.config)).host : 'the host';
        throw new OutboundRefusedError('private_address', host, match[1]);
      }
    }
    throw error;
  });

  return instance;
}
