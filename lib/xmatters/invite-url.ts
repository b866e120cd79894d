import { isHostAllowed } from '../security/hosts';

// The "Invite to room" inbound integration URL an admin pastes (docs/xmatters.md §2.1):
// https://{host}/api/integration/1/functions/{uuid}/triggers[?apiKey=...]

const TRIGGER_PATH = /^\/api\/integration\/1\/functions\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\/triggers$/i;

export type InviteUrlResult = { ok: true; url: string } | { ok: false; message: string };

export function validateInviteUrl(input: string, hostname: string, allowedHosts: readonly string[]): InviteUrlResult {
  const value = input.trim();
  if (!URL.canParse(value)) {
    return { ok: false, message: 'The Invite to Room URL is not a web address. Copy it again from the inbound integration.' };
  }
  const url = new URL(value);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isHostAllowed(url.host, allowedHosts, 'http'))) {
    return { ok: false, message: 'The Invite to Room URL must start with https://.' };
  }
  const problem = inviteUrlProblem(url, hostname);
  return problem ? { ok: false, message: problem } : { ok: true, url: url.toString() };
}

/** Why this URL is not an inbound integration on `hostname`, or undefined when it is one. */
export function inviteUrlProblem(url: URL, hostname: string): string | undefined {
  if (url.username || url.password) {
    return 'The Invite to Room URL must not contain a user name or password; the add-on signs in with the integration user.';
  }
  if (url.host !== new URL(`${url.protocol}//${hostname}`).host) {
    return `The Invite to Room URL points to ${url.host}, but the xMatters hostname is ${hostname}. Use the URL from the same xMatters instance.`;
  }
  if (!TRIGGER_PATH.test(url.pathname)) {
    return 'The Invite to Room URL should look like https://acme.xmatters.com/api/integration/1/functions/<id>/triggers. Copy it from the "Invite to room" inbound integration.';
  }
  return undefined;
}
