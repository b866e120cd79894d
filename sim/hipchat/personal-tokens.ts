import { hipchatDate, type World } from './state';
import type { TokenStore } from './tokens';

/** A personal access token as its owner's account page lists it (the token itself is shown once). */
export interface PersonalToken {
  id: number;
  userId: number;
  label: string;
  scopes: string[];
  created: string;
  tokenHint: string;
}

/** The scopes a user may give a personal token: HipChat's own list (will#187 quotes the page's eight). */
export const PERSONAL_SCOPES = ['admin_group', 'admin_room', 'manage_rooms', 'send_message', 'send_notification', 'view_group', 'view_messages', 'view_room'] as const;

// "semi-permanent (year-long expiration as of 2016/12)" (ymtszw/hipchat_elixir doc; skoczen/will#113).
const PERSONAL_TOKEN_LIFETIME_SECONDS = 365 * 24 * 3600;

/** Personal access tokens: "Makes the REST call as: Your HipChat user account" (DAC `about-the-hipchat-rest-api`). */
export class PersonalTokens {
  private readonly byId = new Map<number, PersonalToken>();
  private nextId = 1;

  constructor(
    private readonly world: World,
    private readonly tokens: TokenStore,
  ) {}

  create(userId: number, label: string, scopes: string[]): { record: PersonalToken; token: string } {
    this.world.user(userId);
    const trimmed = label.trim();
    if (trimmed.length < 1 || trimmed.length > 50) throw new Error('A token label has 1 to 50 characters');
    const unknown = scopes.filter((scope) => !(PERSONAL_SCOPES as readonly string[]).includes(scope));
    if (unknown.length > 0) throw new Error(`Unknown scope ${unknown.join(', ')}`);
    if (scopes.length === 0) throw new Error('Choose at least one scope');
    const id = this.nextId++;
    const unique = [...new Set(scopes)];
    const issued = this.tokens.issue({ kind: 'personal', userId, tokenId: id }, unique, {
      groupId: this.world.group.id,
      lifetimeSeconds: PERSONAL_TOKEN_LIFETIME_SECONDS,
    });
    const record: PersonalToken = { id, userId, label: trimmed, scopes: unique, created: hipchatDate(), tokenHint: issued.token.slice(-4) };
    this.byId.set(id, record);
    return { record, token: issued.token };
  }

  list(userId: number): PersonalToken[] {
    return [...this.byId.values()].filter((record) => record.userId === userId);
  }

  /** Only the owner deletes a token; it answers 401 from then on. */
  delete(userId: number, id: number): void {
    const record = this.byId.get(id);
    if (!record || record.userId !== userId) throw new Error(`no personal token ${id} of user ${userId}`);
    this.byId.delete(id);
    this.tokens.revokeWhere((principal) => principal.kind === 'personal' && principal.tokenId === id);
  }
}
