import { XMattersError } from './errors';
import { serverMessage, type XMattersResponse } from './transport';

// What a non-2xx (or non-xMatters) answer means, in words an admin can act on. The REST API and
// the inbound integration share most of it; 401, 403 and 404 differ (docs/xmatters.md §1.1, §2.4).

export function restError(res: XMattersResponse, host: string, username: string): XMattersError {
  const status = res.status;
  if (status === 401) {
    return new XMattersError(
      'bad_credentials',
      "xMatters refused the username or password (401). Check the integration user's credentials.",
      { status },
    );
  }
  if (status === 403) {
    return new XMattersError(
      'forbidden',
      `xMatters user "${username}" may not use the REST API (403). Give the user the REST Web Service User role.`,
      { status },
    );
  }
  if (status === 404) return notXMatters(res, host);
  return commonError(res, host);
}

export function triggerError(res: XMattersResponse, host: string, auth: 'basic' | 'apiKey'): XMattersError {
  const status = res.status;
  if (status === 400) {
    const details = validationDetails(res.json);
    const reason = details ?? serverMessage(res.json) ?? 'the request was not valid';
    return new XMattersError('invalid_request', `xMatters rejected the invite: ${reason}`, { status });
  }
  if (status === 401) {
    const message =
      auth === 'apiKey'
        ? "xMatters refused the API key in the Invite to Room URL (401). Copy the URL again from the inbound integration."
        : "xMatters refused the username or password (401). Check the integration user's credentials.";
    return new XMattersError('bad_credentials', message, { status });
  }
  if (status === 403) {
    return new XMattersError(
      'forbidden',
      "xMatters refused the invite (403). Add the integration user to the plan's Access Permissions and to the " +
        "Invite to Room form's Sender Permissions.",
      { status },
    );
  }
  if (status === 404) {
    if (res.html || res.json === undefined) return notXMatters(res, host);
    return new XMattersError(
      'not_found',
      'xMatters has no inbound integration at the Invite to Room URL (404). Copy the URL again from the ' +
        '"Invite to room" inbound integration in the Integration Builder.',
      { status },
    );
  }
  return commonError(res, host);
}

/** A 2xx answer whose body is not what xMatters sends. */
export function notXMatters(res: XMattersResponse, host: string): XMattersError {
  const what = res.html ? 'an HTML page' : 'an answer that is not from the xMatters API';
  return new XMattersError(
    'not_xmatters',
    `${host} answered with ${what} (HTTP ${res.status}), so it does not look like an xMatters instance. ` +
      'Check the hostname, e.g. acme.xmatters.com.',
    { status: res.status },
  );
}

function commonError(res: XMattersResponse, host: string): XMattersError {
  const status = res.status;
  if (status === 429) {
    const wait = res.retryAfterSeconds === undefined ? 'a minute' : `${res.retryAfterSeconds} seconds`;
    return new XMattersError('rate_limited', `xMatters is limiting requests (429). Try again in ${wait}.`, {
      status,
      retryable: true,
      ...(res.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: res.retryAfterSeconds }),
    });
  }
  if (status >= 500) {
    return new XMattersError(
      'server_error',
      `xMatters at ${host} had a problem (${status}). Try again in a few minutes.`,
      // 503 says the request was not taken; a 500, or a gateway's 502 or 504, may come after it was acted on.
      { status, retryable: true, outcomeUnknown: status !== 503, ...(res.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: res.retryAfterSeconds }) },
    );
  }
  if (status >= 300 && status < 400) {
    const to = redirectTarget(res.location);
    return new XMattersError(
      'not_xmatters',
      `${host} redirects${to ? ` to ${to}` : ''} (${status}) instead of answering, so it is not the xMatters API ` +
        'address. Enter the instance hostname exactly, e.g. acme.xmatters.com.',
      { status },
    );
  }
  if (res.html) return notXMatters(res, host);
  const detail = serverMessage(res.json);
  return new XMattersError(
    status === 400 ? 'invalid_request' : 'unexpected',
    `xMatters did not accept the request (${status})${detail ? `: ${detail}` : ''}.`,
    { status },
  );
}

/** The host an absolute Location points to; a relative one stays on the same host. */
function redirectTarget(location: string | undefined): string | undefined {
  if (!location || !URL.canParse(location)) return undefined;
  return new URL(location).host;
}

/** "properties/Description — Exceeded the specified maximum number of characters" (docs §1.6). */
function validationDetails(json: unknown): string | undefined {
  if (typeof json !== 'object' || json === null) return undefined;
  const details = (json as { errorDetails?: unknown }).errorDetails;
  if (!Array.isArray(details) || details.length === 0) return undefined;
  const sentences = details
    .map((detail: unknown) => {
      if (typeof detail !== 'object' || detail === null) return undefined;
      const { jsonPath, details: text } = detail as { jsonPath?: unknown; details?: unknown };
      if (typeof text !== 'string') return undefined;
      return typeof jsonPath === 'string' && jsonPath ? `${jsonPath} — ${text}` : text;
    })
    .filter((sentence): sentence is string => sentence !== undefined);
  return sentences.length > 0 ? sentences.join('; ') : undefined;
}
