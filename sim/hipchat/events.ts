import { callAddon } from './addon-http';
import type { WebhookDeclaration, WebhookEvent } from './descriptor';
import type { Installation, Installer } from './installations';
import { signHipChatJwt } from './jwt';
import type { RoomWebhooks } from './room-webhooks';
import type { Sender } from './state';

export interface Delivery {
  /** The URL posted to, `signed_request` included. */
  url: string;
  status: number;
  body: string;
}

/** A webhook that hears an event: declared in a descriptor or created over REST. */
interface Listener extends WebhookDeclaration {
  id: number;
  regex?: RegExp;
}

export interface DeliveryRecord {
  webhook: Listener;
  /** Whom a room_message reply is posted as: the webhook's add-on, or the user who created it. */
  replyAs: Sender;
  delivery: Delivery;
}

interface Target {
  webhook: Listener;
  /** The installation that signs and receives; absent for a user's webhook (no JWT, no oauth_client_id). */
  installation?: Installation;
  replyAs: Sender;
}

/** Delivers room events to the webhooks that listen in the room (docs §7). */
export class Events {
  private readonly background = new Set<Promise<unknown>>();

  constructor(
    private readonly installer: Installer,
    private readonly roomWebhooks: RoomWebhooks,
  ) {}

  async deliver(roomId: number, event: WebhookEvent, item: Record<string, unknown>): Promise<DeliveryRecord[]> {
    const text = messageText(event, item);
    const hears = (webhook: Listener) => webhook.event === event && (text === undefined || !webhook.regex || webhook.regex.test(text));
    return Promise.all(
      this.targets(roomId)
        .filter((target) => hears(target.webhook))
        .map(async ({ webhook, installation, replyAs }) => ({
          webhook,
          replyAs,
          delivery: await this.post(webhook, installation, roomId, event, item),
        })),
    );
  }

  /** Delivers without making the caller wait; `settle()` waits for what is still in flight. */
  deliverInBackground(roomId: number, event: WebhookEvent, item: Record<string, unknown>): void {
    this.track(this.deliver(roomId, event, item));
  }

  /** Work that delivers webhooks after the caller was answered; `settle()` waits for it. */
  track(work: Promise<unknown>): void {
    const tracked = work.finally(() => this.background.delete(tracked));
    this.background.add(tracked);
  }

  async settle(): Promise<void> {
    while (this.background.size > 0) await Promise.allSettled([...this.background]);
  }

  /** Descriptor webhooks of the installations covering the room, then REST webhooks of the room whose owner is still there. */
  private targets(roomId: number): Target[] {
    const declared = this.installer.covering(roomId).flatMap((installation) =>
      installation.webhooks.map((webhook): Target => ({ webhook, installation, replyAs: { type: 'addon', oauthId: installation.oauthId } })),
    );
    const created = this.roomWebhooks.forRoom(roomId).flatMap((webhook): Target[] => {
      if ('userId' in webhook.owner) return [{ webhook, replyAs: { type: 'user', userId: webhook.owner.userId } }];
      const installation = this.installer.installations.get(webhook.owner.oauthId);
      return installation ? [{ webhook, installation, replyAs: { type: 'addon', oauthId: installation.oauthId } }] : [];
    });
    return [...declared, ...created];
  }

  private async post(
    webhook: Listener,
    installation: Installation | undefined,
    roomId: number,
    event: WebhookEvent,
    item: Record<string, unknown>,
  ): Promise<Delivery> {
    let url: URL;
    try {
      url = new URL(webhook.url);
    } catch {
      return { url: webhook.url, status: 0, body: `webhook url ${webhook.url} is not an absolute URL` };
    }
    // A JWT only when declared, and then only as the signed_request parameter (docs §4, §7).
    if (webhook.authentication === 'jwt' && installation) {
      const jwt = signHipChatJwt(installation.oauthId, installation.oauthSecret, { userId: actorId(item), roomId });
      url.searchParams.set('signed_request', jwt);
    }
    const envelope = installation
      ? { event, item, oauth_client_id: installation.oauthId, webhook_id: webhook.id }
      : { event, item, webhook_id: webhook.id };
    return { url: url.toString(), ...(await callAddon('post', url.toString(), envelope)) };
  }
}

/** The text a webhook `pattern` is matched against; patterns apply to message events only (docs §1). */
function messageText(event: WebhookEvent, item: Record<string, unknown>): string | undefined {
  if (event !== 'room_message' && event !== 'room_notification') return undefined;
  const text = field(item.message, 'message');
  return typeof text === 'string' ? text : '';
}

/** The user behind an event: `sender` (enter/exit/topic) or the message author (room_message). */
function actorId(item: Record<string, unknown>): number | undefined {
  return idOf(item.sender) ?? idOf(field(item.message, 'from'));
}

function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[name] : undefined;
}

function idOf(value: unknown): number | undefined {
  const id = field(value, 'id');
  return typeof id === 'number' ? id : undefined;
}
