import type { AxiosInstance } from 'axios';
import { z } from 'zod';
import { HipChatApiError, toHipChatError } from './errors';
import type { Installation } from './installations';

const tokenResponse = z.object({
  access_token: z.string().min(1),
  expires_in: z.coerce.number().positive(),
  scope: z.string().optional(),
  group_id: z.coerce.number().optional(),
  group_name: z.string().optional(),
});

export type TokenGrant = z.infer<typeof tokenResponse>;

/**
 * Asks HipChat's token endpoint for a client_credentials token. A 401/400/403 answer means HipChat no
 * longer knows this oauthId and secret, which is reported as code `revoked`.
 */
export async function requestToken(http: AxiosInstance, installation: Pick<Installation, 'oauthId' | 'oauthSecret' | 'tokenUrl'>, scopes: string[]): Promise<TokenGrant> {
  try {
    const res = await http.post(
      installation.tokenUrl,
      new URLSearchParams({ grant_type: 'client_credentials', scope: scopes.join(' ') }).toString(),
      {
        auth: { username: installation.oauthId, password: installation.oauthSecret },
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        maxRedirects: 0,
      },
    );
    const parsed = tokenResponse.safeParse(res.data);
    if (!parsed.success) throw new HipChatApiError('HipChat token endpoint answered without access_token/expires_in', 'bad_request', res.status, undefined);
    return parsed.data;
  } catch (err) {
    const error = toHipChatError(err, 'the token request');
    if (error.status === 400 || error.status === 401 || error.status === 403) {
      throw new HipChatApiError(`HipChat refused a token for this installation (${error.status})`, 'revoked', error.status, undefined);
    }
    throw error;
  }
}

interface Entry {
  token: string;
  refreshAt: number;
}

/**
 * Tokens per installation and scope set, kept until shortly before `expires_in`; concurrent callers
 * share one fetch. `onRevoked` runs when HipChat refuses the grant.
 */
export class TokenCache {
  private readonly tokens = new Map<string, Entry>();
  private readonly inflight = new Map<string, Promise<string>>();

  constructor(
    private readonly http: AxiosInstance,
    private readonly onRevoked: (oauthId: string) => Promise<void>,
    private readonly now: () => number = Date.now,
  ) {}

  async get(installation: Installation, scopes: string[]): Promise<string> {
    const key = `${installation.oauthId}|${[...scopes].sort().join(' ')}`;
    const cached = this.tokens.get(key);
    if (cached && cached.refreshAt > this.now()) return cached.token;
    let pending = this.inflight.get(key);
    if (!pending) {
      pending = this.fetch(key, installation, scopes).finally(() => this.inflight.delete(key));
      this.inflight.set(key, pending);
    }
    return pending;
  }

  /** Drops every token of an installation (after a 401, or when it is uninstalled). */
  invalidate(oauthId: string): void {
    for (const key of this.tokens.keys()) if (key.startsWith(`${oauthId}|`)) this.tokens.delete(key);
  }

  private async fetch(key: string, installation: Installation, scopes: string[]): Promise<string> {
    try {
      const grant = await requestToken(this.http, installation, scopes);
      // Refresh a little before expiry: 60 s, or a tenth of a short lifetime.
      const marginMs = Math.min(60_000, grant.expires_in * 100);
      this.tokens.set(key, { token: grant.access_token, refreshAt: this.now() + grant.expires_in * 1000 - marginMs });
      return grant.access_token;
    } catch (err) {
      if (err instanceof HipChatApiError && err.code === 'revoked') {
        this.invalidate(installation.oauthId);
        await this.onRevoked(installation.oauthId);
      }
      throw err;
    }
  }
}
