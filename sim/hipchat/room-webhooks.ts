import type { WebhookDeclaration } from './descriptor';
import { compilePattern } from './pattern';
import { hipchatDate } from './state';

/** Who a webhook registered over REST belongs to: an add-on installation, or a user (a personal token). */
export type WebhookOwner = { oauthId: string } | { userId: number };

/** A webhook registered with `POST room/{id}/webhook`: it hears one room only (DAC webhooks: "only in the context of a room"). */
export interface RoomWebhook extends WebhookDeclaration {
  id: number;
  roomId: number;
  owner: WebhookOwner;
  /** The user whose token created it, if it was a user's. */
  creatorId?: number;
  created: string;
  regex?: RegExp;
}

export function sameOwner(a: WebhookOwner, b: WebhookOwner): boolean {
  return 'oauthId' in a ? 'oauthId' in b && a.oauthId === b.oauthId : 'userId' in b && a.userId === b.userId;
}

/** Webhooks created over REST; descriptor webhooks stay with their installation. */
export class RoomWebhooks {
  private readonly byId = new Map<number, RoomWebhook>();

  constructor(private readonly nextId: () => number) {}

  create(roomId: number, owner: WebhookOwner, declaration: WebhookDeclaration, creatorId?: number): RoomWebhook {
    const webhook: RoomWebhook = { ...declaration, id: this.nextId(), roomId, owner, created: hipchatDate() };
    if (creatorId !== undefined) webhook.creatorId = creatorId;
    if (declaration.pattern !== undefined) webhook.regex = compilePattern(declaration.pattern);
    this.byId.set(webhook.id, webhook);
    return webhook;
  }

  /** The webhook, if it is in that room and belongs to `owner` (nobody sees another client's webhooks). */
  find(roomId: number, owner: WebhookOwner, id: number): RoomWebhook | undefined {
    const webhook = this.byId.get(id);
    return webhook && webhook.roomId === roomId && sameOwner(webhook.owner, owner) ? webhook : undefined;
  }

  list(roomId: number, owner: WebhookOwner): RoomWebhook[] {
    return [...this.byId.values()].filter((webhook) => webhook.roomId === roomId && sameOwner(webhook.owner, owner));
  }

  forRoom(roomId: number): RoomWebhook[] {
    return [...this.byId.values()].filter((webhook) => webhook.roomId === roomId);
  }

  delete(id: number): void {
    this.byId.delete(id);
  }
}
