import { randomUUID } from 'node:crypto';
import { INVALID_CLIENT } from './errors';
import { oauthIdOf, randomString, type AccessToken, type TokenStore } from './tokens';

export interface OAuthClient {
  oauthId: string;
  secret: string;
  scopes: string[];
  groupId: number;
  /** Set for a room installation: its tokens may only act on that room. */
  roomId?: number;
}

export type GrantResult =
  | { ok: true; token: AccessToken; expiresIn: number; refreshToken?: string }
  | { ok: false; status: 400 | 401; message: string };

interface AuthorizationCode {
  oauthId: string;
  userId: number;
  scopes: string[];
  /** The `redirect_uri` of the authorization request, when it had one: the token request must repeat it (RFC 6749 §4.1.3). */
  redirectUri: string | undefined;
  expiresAt: number;
}

interface RefreshGrant {
  oauthId: string;
  userId: number;
  scopes: string[];
}

/** RFC 6749 §4.1.2 recommends codes that live at most 10 minutes. */
const CODE_LIFETIME_MS = 10 * 60_000;

/**
 * One OAuth client per installation (docs §2) and its grants (docs §3): client_credentials for add-on
 * tokens; authorization_code and refresh_token for user tokens, after a user approved the add-on on the
 * capabilities document's `authorizationUrl` page (golang/oauth2 `hipchat/hipchat.go` uses that URL as
 * a standard OAuth2 authorization endpoint).
 */
export class OAuthRegistry {
  private readonly clients = new Map<string, OAuthClient>();
  /** Revoked clients, kept so that `restore` can grant them again. */
  private readonly revoked = new Map<string, OAuthClient>();
  private readonly codes = new Map<string, AuthorizationCode>();
  private readonly refreshGrants = new Map<string, RefreshGrant>();
  private readonly grants = new Map<string, number>();

  constructor(
    private readonly tokens: TokenStore,
    public tokenLifetimeSeconds: number,
  ) {}

  createClient(scopes: string[], groupId: number, roomId?: number): OAuthClient {
    const client: OAuthClient = { oauthId: randomUUID(), secret: randomString(40), scopes, groupId };
    if (roomId !== undefined) client.roomId = roomId;
    this.clients.set(client.oauthId, client);
    return client;
  }

  client(oauthId: string): OAuthClient | undefined {
    return this.clients.get(oauthId);
  }

  /** The client stops getting tokens and its issued tokens (add-on and user tokens) stop working. */
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
    this.tokens.revokeWhere((principal) => oauthIdOf(principal) === oauthId);
  }

  /** `grant_type=client_credentials`; no `scope` means all of the client's scopes. */
  grant(oauthId: string, secret: string, requested: string[] | undefined): GrantResult {
    const client = this.authenticateClient(oauthId, secret);
    if (!client) return { ok: false, status: 401, message: INVALID_CLIENT };
    const scopes = requested ?? client.scopes;
    const refused = this.outside(client, scopes);
    if (refused) return refused;
    return this.issue(client, { kind: 'addon', oauthId }, scopes);
  }

  /** A code for the user's approval on the authorization page, to be exchanged with `exchangeCode`. */
  authorize(oauthId: string, userId: number, scopes: string[], redirectUri: string | undefined): string {
    const code = randomString(40);
    this.codes.set(code, { oauthId, userId, scopes, redirectUri, expiresAt: Date.now() + CODE_LIFETIME_MS });
    return code;
  }

  /** `grant_type=authorization_code`: once per code, by the client it was issued to, with its redirect URI. */
  exchangeCode(oauthId: string, secret: string, code: string, redirectUri: string | undefined): GrantResult {
    const client = this.authenticateClient(oauthId, secret);
    if (!client) return { ok: false, status: 401, message: INVALID_CLIENT };
    const issued = this.codes.get(code);
    this.codes.delete(code);
    if (!issued || issued.oauthId !== oauthId || issued.expiresAt <= Date.now()) {
      return { ok: false, status: 400, message: 'Invalid authorization code: it is unknown, expired, already used or issued to another client' };
    }
    if (issued.redirectUri !== undefined && redirectUri !== issued.redirectUri) {
      return { ok: false, status: 400, message: 'redirect_uri does not match the one the authorization code was issued for' };
    }
    return this.issueUserToken(client, issued.userId, issued.scopes);
  }

  /** `grant_type=refresh_token`: a new user token with the same or fewer scopes. */
  refresh(oauthId: string, secret: string, refreshToken: string, requested: string[] | undefined): GrantResult {
    const client = this.authenticateClient(oauthId, secret);
    if (!client) return { ok: false, status: 401, message: INVALID_CLIENT };
    const grant = this.refreshGrants.get(refreshToken);
    if (!grant || grant.oauthId !== oauthId) return { ok: false, status: 400, message: 'Invalid refresh token' };
    const scopes = requested ?? grant.scopes;
    const refused = scopes.filter((scope) => !grant.scopes.includes(scope));
    if (refused.length > 0) return { ok: false, status: 400, message: `Invalid scope: ${refused.join(' ')} was not granted by the user` };
    this.refreshGrants.delete(refreshToken);
    return this.issueUserToken(client, grant.userId, scopes);
  }

  grantCount(oauthId: string): number {
    return this.grants.get(oauthId) ?? 0;
  }

  private authenticateClient(oauthId: string, secret: string): OAuthClient | undefined {
    const client = this.clients.get(oauthId);
    return client && client.secret === secret ? client : undefined;
  }

  private outside(client: OAuthClient, scopes: string[]): GrantResult | undefined {
    const refused = scopes.filter((scope) => !client.scopes.includes(scope));
    if (refused.length === 0) return undefined;
    return {
      ok: false,
      status: 400,
      message: `Invalid scope: ${refused.join(' ')} (this add-on's descriptor allows: ${client.scopes.join(' ') || 'none'})`,
    };
  }

  private issueUserToken(client: OAuthClient, userId: number, scopes: string[]): GrantResult {
    const refreshToken = randomString(40);
    this.refreshGrants.set(refreshToken, { oauthId: client.oauthId, userId, scopes });
    const granted = this.issue(client, { kind: 'user', oauthId: client.oauthId, userId }, scopes);
    return granted.ok ? { ...granted, refreshToken } : granted;
  }

  private issue(client: OAuthClient, principal: AccessToken['principal'], scopes: string[]): GrantResult {
    const expiresIn = this.tokenLifetimeSeconds;
    const token = this.tokens.issue(principal, scopes, { groupId: client.groupId, roomId: client.roomId, lifetimeSeconds: expiresIn });
    this.grants.set(client.oauthId, this.grantCount(client.oauthId) + 1);
    return { ok: true, token, expiresIn };
  }
}
