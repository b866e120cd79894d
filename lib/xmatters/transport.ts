import type { AxiosInstance, AxiosRequestConfig } from 'axios';
import { OutboundRefusedError } from '../security/outbound';
import { parseRetryAfter } from '../retry-after';
import { XMattersError } from './errors';

// One HTTP exchange with xMatters: network failures become XMattersErrors here; HTTP statuses
// are returned for the caller to judge, because what a 403 or 404 means depends on the call.

export interface XMattersResponse {
  status: number;
  /** Parsed JSON body, or undefined when the body is not JSON (an HTML page, empty). */
  json: unknown;
  html: boolean;
  retryAfterSeconds: number | undefined;
  location: string | undefined;
}

export async function send(http: AxiosInstance, config: AxiosRequestConfig): Promise<XMattersResponse> {
  let host: string;
  try {
    host = new URL(http.getUri(config)).host;
  } catch {
    // encodeURIComponent refuses a lone surrogate: the text, not xMatters, is at fault.
    throw new XMattersError('invalid_request', 'The text sent to xMatters contains a broken character; type it again.');
  }
  try {
    const res = await http.request<string>({
      ...config,
      responseType: 'text',
      validateStatus: () => true,
      headers: { Accept: 'application/json', ...config.headers },
    });
    const contentType = String(res.headers['content-type'] ?? '');
    const text = typeof res.data === 'string' ? res.data : '';
    return {
      status: res.status,
      json: parseJson(text),
      html: /html/i.test(contentType) || /^\s*</.test(text),
      retryAfterSeconds: parseRetryAfter(res.headers['retry-after']),
      location: typeof res.headers['location'] === 'string' ? res.headers['location'] : undefined,
    };
  } catch (error) {
    throw networkError(error, host, http.defaults.timeout);
  }
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NODATA', 'EAI_NONAME']);
const CONNECT_CODES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'EPIPE', 'EADDRNOTAVAIL']);
const TIMEOUT_CODES = new Set(['ECONNABORTED', 'ETIMEDOUT']);
const TLS_CODE = /^(EPROTO|ERR_SSL_|ERR_TLS_|CERT_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_)/;

function networkError(error: unknown, host: string, timeoutMs: number | undefined): XMattersError {
  if (error instanceof OutboundRefusedError) {
    if (error.reason === 'private_address') {
      return new XMattersError(
        'private_address',
        `${host} resolves to a private or local network address (${error.address ?? 'unknown'}), which the add-on does not call. ` +
          'Enter the public xMatters hostname, or ask the add-on operator to add the host to XMATTERS_ALLOWED_HOSTS.',
      );
    }
    return new XMattersError(
      'insecure_scheme',
      `The add-on calls ${host} only over https because it is not in XMATTERS_ALLOWED_HOSTS. ` +
        'Use https, or ask the add-on operator to allow the host.',
    );
  }
  const code = error instanceof Error ? String((error as { code?: unknown }).code ?? '') : '';
  if (TIMEOUT_CODES.has(code)) {
    const seconds = timeoutMs ? ` within ${formatSeconds(timeoutMs)}` : '';
    return new XMattersError(
      'timeout',
      `xMatters at ${host} did not answer${seconds}. Try again; if it keeps happening, check that the add-on server can reach xMatters.`,
      { retryable: true, outcomeUnknown: true },
    );
  }
  if (DNS_CODES.has(code)) {
    return new XMattersError(
      'dns',
      `The hostname ${host} could not be found (DNS ${code}). Check the spelling of the xMatters hostname, e.g. acme.xmatters.com.`,
      { retryable: true },
    );
  }
  if (CONNECT_CODES.has(code)) {
    return new XMattersError(
      'connect',
      `Could not connect to ${host} (${code}). Check the hostname and port, and that the add-on server can reach xMatters.`,
      // A connection reset or a broken pipe may come after the request was sent.
      { retryable: true, outcomeUnknown: code === 'ECONNRESET' || code === 'EPIPE' },
    );
  }
  if (TLS_CODE.test(code)) {
    return new XMattersError(
      'tls',
      `The secure connection to ${host} failed (${code}). Check that the hostname is your xMatters instance and that its certificate is valid.`,
    );
  }
  if (code === 'ERR_BAD_RESPONSE' || code === 'ERR_FR_MAX_BODY_LENGTH_EXCEEDED') {
    return new XMattersError('unexpected', `${host} sent an answer the add-on could not read (${code}).`);
  }
  return new XMattersError(
    'unexpected',
    `The request to ${host} failed${code ? ` (${code})` : ''}. Try again; if it keeps happening, check the add-on's logs.`,
    { retryable: true, outcomeUnknown: true },
  );
}

function formatSeconds(ms: number): string {
  const seconds = ms / 1000;
  return `${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)} second${seconds === 1 ? '' : 's'}`;
}

/** The `message` of an xMatters JSON error body ({code, reason, message}), shortened for display. */
export function serverMessage(json: unknown): string | undefined {
  if (typeof json !== 'object' || json === null) return undefined;
  const message = (json as { message?: unknown }).message;
  if (typeof message !== 'string' || message.trim() === '') return undefined;
  return message.length > 200 ? `${message.slice(0, 199)}…` : message;
}
