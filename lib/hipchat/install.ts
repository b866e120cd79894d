import type { AxiosInstance } from 'axios';
import { z } from 'zod';
import { AddonError } from '../errors';
import { HipChatApiError } from './errors';
import { hostOf, isUrlHostAllowed } from '../security/hosts';
import type { Installation } from './installations';
import { requestToken } from './tokens';

/** Why an installation was refused: the HTTP status to answer and a sentence saying what to fix. */
export class InstallRefused extends AddonError {
  override readonly name = 'InstallRefused';
  constructor(status: 400 | 403 | 409, message: string) {
    super(status, 'install_refused', message, { retryable: false });
  }
}

/** What an oauthId may be: install refuses anything else, so a token naming anything else is no installation's. */
export const OAUTH_ID = /^[A-Za-z0-9._-]{1,100}$/;

export const installBody = z.object({
  capabilitiesUrl: z.url({ protocol: /^https?$/ }),
  oauthId: z.string().min(1).max(100).regex(OAUTH_ID, 'must be letters, digits, dot, dash or underscore'),
  oauthSecret: z.string().min(1).max(200),
  groupId: z.coerce.number().int().positive(),
  roomId: z.coerce.number().int().positive().nullish(),
});
export type InstallBody = z.infer<typeof installBody>;

const capabilitiesDocument = z.object({
  links: z.object({ self: z.string(), api: z.string().optional(), homepage: z.string().optional() }),
  capabilities: z.object({
    oauth2Provider: z.object({ tokenUrl: z.string() }),
    hipchatApiProvider: z.object({ url: z.string() }).optional(),
  }),
});

/** A verified installation: what an active one holds, but for the keys derived from its secret. */
export type VerifiedInstallation = Omit<Installation, 'jwtKey' | 'pageKey'>;

export interface VerifyDeps {
  http: AxiosInstance;
  allowedHosts: string[];
  scopes: string[];
}

const sameUrl = (a: string, b: string) => a.replace(/\/+$/, '') === b.replace(/\/+$/, '');

function parseUrl(value: string, what: string): URL {
  try {
    return new URL(value);
  } catch {
    throw new InstallRefused(403, `The capabilities document's ${what} (${value.slice(0, 200)}) is not a URL`);
  }
}

/**
 * Trusts an installation only after DESIGN §5's checks: allowed host, a self-consistent capabilities
 * document whose token and API URLs are on the same host, and a token granted for oauthId:oauthSecret.
 */
export async function verifyInstallation(body: InstallBody, deps: VerifyDeps): Promise<VerifiedInstallation> {
  const capabilitiesUrl = new URL(body.capabilitiesUrl);
  if (!isUrlHostAllowed(capabilitiesUrl, deps.allowedHosts)) {
    throw new InstallRefused(
      403,
      `capabilitiesUrl host ${hostOf(capabilitiesUrl)} is not in HIPCHAT_ALLOWED_HOSTS; add it there if this HipChat server is yours`,
    );
  }

  let document: z.infer<typeof capabilitiesDocument>;
  try {
    const res = await deps.http.get(body.capabilitiesUrl, { maxRedirects: 0, maxContentLength: 512 * 1024, responseType: 'json' });
    document = capabilitiesDocument.parse(res.data);
  } catch (err) {
    const reason = err instanceof z.ZodError ? 'it is not a HipChat capabilities document' : errorReason(err);
    throw new InstallRefused(400, `Could not read the capabilities document at ${body.capabilitiesUrl}: ${reason}`);
  }

  if (!sameUrl(document.links.self, body.capabilitiesUrl)) {
    throw new InstallRefused(403, `The capabilities document's links.self (${document.links.self.slice(0, 200)}) is not the capabilitiesUrl that was posted`);
  }
  const tokenUrl = parseUrl(document.capabilities.oauth2Provider.tokenUrl, 'oauth2Provider.tokenUrl');
  const apiUrl = parseUrl(document.capabilities.hipchatApiProvider?.url ?? document.links.api ?? '', 'API URL');
  for (const [name, url] of [['token URL', tokenUrl], ['API URL', apiUrl]] as const) {
    if (url.host !== capabilitiesUrl.host || url.protocol !== capabilitiesUrl.protocol) {
      throw new InstallRefused(403, `The ${name} ${url.origin} is not on the capabilitiesUrl's host ${capabilitiesUrl.origin}`);
    }
  }

  let grant;
  try {
    grant = await requestToken(deps.http, { oauthId: body.oauthId, oauthSecret: body.oauthSecret, tokenUrl: tokenUrl.href }, deps.scopes);
  } catch (err) {
    if (err instanceof HipChatApiError && err.code === 'refused') {
      throw new InstallRefused(403, `HipChat refused a token for oauthId ${body.oauthId} with the posted secret (${err.status}); install the add-on again from HipChat`);
    }
    throw new InstallRefused(400, `Could not get a token from ${tokenUrl.origin}: ${errorReason(err)}`);
  }
  if (grant.group_id !== undefined && grant.group_id !== body.groupId) {
    throw new InstallRefused(403, `The token was granted for group ${grant.group_id}, not the posted groupId ${body.groupId}`);
  }

  return {
    oauthId: body.oauthId,
    oauthSecret: body.oauthSecret,
    groupId: body.groupId,
    groupName: grant.group_name ?? null,
    roomId: body.roomId ?? null,
    capabilitiesUrl: body.capabilitiesUrl,
    apiUrl: apiUrl.href,
    tokenUrl: tokenUrl.href,
    homepageUrl: document.links.homepage ?? null,
  };
}

function errorReason(err: unknown): string {
  const e = err as { response?: { status?: number }; code?: string; message?: string };
  if (e.response?.status) return `HTTP ${e.response.status}`;
  return e.code ?? e.message ?? 'unknown error';
}
