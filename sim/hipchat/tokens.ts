import { randomBytes } from 'node:crypto';

/** Who acts with a token: the four token types of HipChat's REST API (DAC `about-the-hipchat-rest-api`). */
export type Principal =
  /** Add-on token (client_credentials): the add-on itself. */
  | { kind: 'addon'; oauthId: string }
  /** User token (authorization_code, refresh_token): a user, through an add-on they authorized. */
  | { kind: 'user'; oauthId: string; userId: number }
  /** Personal access token: a user, created on their account page. */
  | { kind: 'personal'; userId: number; tokenId: number }
  /** Room notification token of a "Build your own integration". */
  | { kind: 'integration'; integrationId: number };

export interface AccessToken {
  token: string;
  principal: Principal;
  scopes: string[];
  groupId: number;
  /** Set when the token may only act on one room (a room installation, a room notification token). */
  roomId?: number;
  expiresAt: number;
}

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export function randomString(length: number): string {
  return [...randomBytes(length)].map((byte) => ALPHANUMERIC[byte % ALPHANUMERIC.length]).join('');
}

/** The user a token acts for, if it is a user token of either kind. */
export function userIdOf(principal: Principal): number | undefined {
  return principal.kind === 'user' || principal.kind === 'personal' ? principal.userId : undefined;
}

/** The OAuth client (add-on installation) behind a token, if any. */
export function oauthIdOf(principal: Principal): string | undefined {
  return principal.kind === 'addon' || principal.kind === 'user' ? principal.oauthId : undefined;
}

/** Every access token the simulated HipChat issued, whatever its type; bearer lookup for the REST API. */
export class TokenStore {
  private readonly tokens = new Map<string, AccessToken>();

  issue(principal: Principal, scopes: string[], opts: { groupId: number; roomId?: number | undefined; lifetimeSeconds: number }): AccessToken {
    const token: AccessToken = {
      token: randomString(40),
      principal,
      scopes,
      groupId: opts.groupId,
      expiresAt: Date.now() + opts.lifetimeSeconds * 1000,
    };
    if (opts.roomId !== undefined) token.roomId = opts.roomId;
    this.tokens.set(token.token, token);
    return token;
  }

  /** The live token, or undefined when unknown, expired or revoked. */
  authenticate(token: string): AccessToken | undefined {
    const found = this.tokens.get(token);
    if (!found) return undefined;
    if (found.expiresAt <= Date.now()) {
      this.tokens.delete(token);
      return undefined;
    }
    return found;
  }

  /** Revokes every token whose principal matches. */
  revokeWhere(matches: (principal: Principal) => boolean): void {
    for (const [token, { principal }] of this.tokens) {
      if (matches(principal)) this.tokens.delete(token);
    }
  }
}
