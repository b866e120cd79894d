import type { Activity } from '../activity';
import type { GlanceStore } from '../glances';
import type { Installer } from '../installations';
import type { OAuthRegistry } from '../oauth';
import type { PersonalTokens } from '../personal-tokens';
import type { RoomIntegrations } from '../room-integrations';
import type { World } from '../state';
import type { Views } from '../views';
import type { Sessions } from './session';

export interface ScopeInfo {
  id: string;
  name: string;
  description: string;
}

/** What the web UI needs from the simulator it belongs to. */
export interface UiDeps {
  world: World;
  views: Views;
  installer: Installer;
  oauth: OAuthRegistry;
  integrations: RoomIntegrations;
  personalTokens: PersonalTokens;
  activity: Activity;
  glances: GlanceStore;
  sessions: Sessions;
  /** `availableScopes` of the capabilities document, for the install and grant screens. */
  scopes: Readonly<Record<string, ScopeInfo>>;
  signJwt(oauthId: string, subject: { userId: number; roomId?: number }): string;
  pageUrl(oauthId: string, url: string, subject: { userId: number; roomId?: number }): string;
}
