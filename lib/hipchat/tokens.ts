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
 * Asks HipChat's token endpoint for a client_credentials token. A refusal (400, 401, 403) is code
 * `refused` with its status: only the caller can tell whether it means the client is gone (see
 * RevocationWatch); anything else is an outage (`server_error`, `network`, …).
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
    if (!parsed.success) throw new HipChatApiError('HipChat token endpoint answered without access_token/expires_in', 'server_error', res.status, undefined);
    return parsed.data;
  } catch (err) {
    const error = toHipChatError(err, 'the token request');
    if (error.status === 400 || error.status === 401 || error.status === 403) {
      throw new HipChatApiError(`HipChat refused a token for this installation (${error.message})`, 'refused', error.status, undefined);
    }
    throw error;
  }
}

/** Whether a refused token request says the client does not exist (HipChat: 401 "Invalid OAuth client credentials"). */
export function clientUnknown(err: unknown): boolean {
  return err instanceof HipChatApiError && err.code === 'refused' && err.status === 401;
}

interface Entry {
  token: string;
  refreshAt: number;
}

export interface TokenEvents {
  /** HipChat granted a token (the client exists). */
  granted(oauthId: string): void;
  /** HipChat refused one; `err` says how. */
  refused(oauthId: string, err: HipChatApiError): Promise<void>;
}

/**
 * One token per installation, with every scope the descriptor asks for (so one rate-limit budget per
 * installation), kept until shortly before `expires_in`; concurrent callers share one fetch.
 */
export class TokenCache {
  private readonly tokens = new Map<string, Entry>();
  private readonly inflight = new Map<string, Promise<string>>();
  private fetches = 0;

  constructor(
    private readonly http: AxiosInstance,
    private readonly scopes: string[],
    private readonly events: TokenEvents,
    private readonly now: () => number = Date.now,
  ) {}

  async get(installation: Installation): Promise<string> {
    const key = installation.oauthId;
    const cached = this.tokens.get(key);
    if (cached && cached.refreshAt > this.now()) return cached.token;
    let pending = this.inflight.get(key);
    if (!pending) {
      pending = this.fetch(installation).finally(() => this.inflight.delete(key));
      this.inflight.set(key, pending);
    }
    return pending;
  }

  /** Drops the installation's token (after a 401, or when it is uninstalled). */
  invalidate(oauthId: string): void {
    this.tokens.delete(oauthId);
  }

  /** Tokens fetched by this process so far. */
  get fetchCount(): number {
    return this.fetches;
  }

  private async fetch(installation: Installation): Promise<string> {
    this.fetches++;
    let grant: TokenGrant;
    try {
      grant = await requestToken(this.http, installation, this.scopes);
    } catch (err) {
      if (err instanceof HipChatApiError && err.code === 'refused') {
        this.invalidate(installation.oauthId);
        await this.events.refused(installation.oauthId, err);
      }
      throw err;
    }
    this.events.granted(installation.oauthId);
    // Refresh a little before expiry: 60 s, or a tenth of a short lifetime.
    const marginMs = Math.min(60_000, grant.expires_in * 100);
    this.tokens.set(installation.oauthId, { token: grant.access_token, refreshAt: this.now() + grant.expires_in * 1000 - marginMs });
    return grant.access_token;
  }
}
