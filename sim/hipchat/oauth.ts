import { randomBytes, randomUUID } from 'node:crypto';
import { INVALID_CLIENT } from './errors';

export interface OAuthClient {
  oauthId: string;
  secret: string;
  scopes: string[];
  groupId: number;
  /** Set for a room installation: its tokens may only act on that room. */
  roomId?: number;
}

export interface AccessToken {
  token: string;
  oauthId: string;
  scopes: string[];
  groupId: number;
  roomId?: number;
  expiresAt: number;
}

export type GrantResult =
  | { ok: true; token: AccessToken; expiresIn: number }
  | { ok: false; status: 400 | 401; message: string };

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export function randomString(length: number): string {
  return [...randomBytes(length)].map((byte) => ALPHANUMERIC[byte % ALPHANUMERIC.length]).join('');
}

/** One OAuth client per installation, and the access tokens granted to it (docs §2, §3). */
export class OAuthRegistry {
  private readonly clients = new Map<string, OAuthClient>();
  /** Revoked clients, kept so that `restore` can grant them again. */
  private readonly revoked = new Map<string, OAuthClient>();
  private readonly tokens = new Map<string, AccessToken>();
  private readonly grants = new Map<string, number>();

  constructor(public tokenLifetimeSeconds: number) {}

  createClient(scopes: string[], groupId: number, roomId?: number): OAuthClient {
    const client: OAuthClient = { oauthId: randomUUID(), secret: randomString(40), scopes, groupId };
    if (roomId !== undefined) client.roomId = roomId;
    this.clients.set(client.oauthId, client);
    return client;
  }

  client(oauthId: string): OAuthClient | undefined {
    return this.clients.get(oauthId);
  }

  /** The client stops getting tokens and its issued tokens stop working. */
  revoke(oauthId: string): void {
    const client = this.clients.get(oauthId);
    if (client) this.revoked.set(oauthId, client);
    this.clients.delete(oauthId);
    this.invalidateTokens(oauthId);
  }

  /** A revoked client gets tokens again with its old secret; tokens issued before stay dead. */
  restore(oauthId: string): void {
    const client = this.revoked.get(oauthId);
    if (!client) throw new Error(`no revoked OAuth client ${oauthId} in the simulator`);
    this.revoked.delete(oauthId);
    this.clients.set(oauthId, client);
  }

  /** Forgets a client entirely (an installation the add-on refused). */
  forget(oauthId: string): void {
    this.revoke(oauthId);
    this.revoked.delete(oauthId);
  }

  invalidateTokens(oauthId: string): void {
    for (const [token, grant] of this.tokens) {
      if (grant.oauthId === oauthId) this.tokens.delete(token);
    }
  }

  /** `grant_type=client_credentials`; no `scope` means all of the client's scopes. */
  grant(oauthId: string, secret: string, requested: string[] | undefined): GrantResult {
    const client = this.clients.get(oauthId);
    if (!client || client.secret !== secret) return { ok: false, status: 401, message: INVALID_CLIENT };
    const scopes = requested ?? client.scopes;
    const refused = scopes.filter((scope) => !client.scopes.includes(scope));
    if (refused.length > 0) {
      return {
        ok: false,
        status: 400,
        message: `Invalid scope: ${refused.join(' ')} (this add-on's descriptor allows: ${client.scopes.join(' ') || 'none'})`,
      };
    }
    const expiresIn = this.tokenLifetimeSeconds;
    const token: AccessToken = {
      token: randomString(40),
      oauthId,
      scopes,
      groupId: client.groupId,
      expiresAt: Date.now() + expiresIn * 1000,
    };
    if (client.roomId !== undefined) token.roomId = client.roomId;
    this.tokens.set(token.token, token);
    this.grants.set(oauthId, this.grantCount(oauthId) + 1);
    return { ok: true, token, expiresIn };
  }

  /** The live token, or undefined when unknown, expired, invalidated or its client revoked. */
  authenticate(token: string): AccessToken | undefined {
    const grant = this.tokens.get(token);
    if (!grant) return undefined;
    if (grant.expiresAt <= Date.now()) {
      this.tokens.delete(token);
      return undefined;
    }
    return grant;
  }

  grantCount(oauthId: string): number {
    return this.grants.get(oauthId) ?? 0;
  }
}
