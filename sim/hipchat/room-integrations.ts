import { hipchatDate, type World } from './state';
import type { TokenStore } from './tokens';

/** A "Build your own integration": a name in a room, and a room notification token to post with (seeds 000, 001). */
export interface RoomIntegration {
  id: number;
  roomId: number;
  name: string;
  createdBy: number;
  created: string;
  /** The token's last four characters, for the list (the whole token is shown once). */
  tokenHint: string;
}

export interface CreatedIntegration {
  integration: RoomIntegration;
  token: string;
  /** "Send messages to this room by posting to this URL" */
  url: string;
}

/**
 * Room notification tokens: "The add-on (access limited to a room)" (DAC `about-the-hipchat-rest-api`),
 * the send_notification scope only (hygieia/hygieia#248 and RidersDiscountCom/HypChat#34 show such
 * tokens refused with a 403 scope error elsewhere), valid until the integration is deleted.
 */
export class RoomIntegrations {
  private readonly byId = new Map<number, RoomIntegration>();
  private nextId = 1;

  constructor(
    private readonly world: World,
    private readonly tokens: TokenStore,
    private readonly apiUrl: string,
  ) {}

  create(roomId: number, name: string, createdBy: number): CreatedIntegration {
    const room = this.world.room(roomId);
    this.world.user(createdBy);
    const trimmed = name.trim();
    if (trimmed.length < 1 || trimmed.length > 100) throw new Error('An integration name has 1 to 100 characters');
    const id = this.nextId++;
    const issued = this.tokens.issue({ kind: 'integration', integrationId: id }, ['send_notification'], {
      groupId: this.world.group.id,
      roomId: room.id,
      lifetimeSeconds: Number.POSITIVE_INFINITY,
    });
    const integration: RoomIntegration = { id, roomId: room.id, name: trimmed, createdBy, created: hipchatDate(), tokenHint: issued.token.slice(-4) };
    this.byId.set(id, integration);
    return { integration, token: issued.token, url: `${this.apiUrl}/room/${room.id}/notification?auth_token=${issued.token}` };
  }

  get(id: number): RoomIntegration | undefined {
    return this.byId.get(id);
  }

  list(): RoomIntegration[] {
    return [...this.byId.values()];
  }

  /** The integration is gone and its token answers 401 from now on. */
  delete(id: number): void {
    if (!this.byId.delete(id)) throw new Error(`no integration ${id} in the simulator`);
    this.tokens.revokeWhere((principal) => principal.kind === 'integration' && principal.integrationId === id);
  }
}
