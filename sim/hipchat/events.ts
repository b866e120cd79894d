import { callAddon } from './addon-http';
import type { WebhookEvent } from './descriptor';
import type { Installation, InstalledWebhook, Installer } from './installations';
import { signHipChatJwt } from './jwt';

export interface Delivery {
  /** The URL posted to, `signed_request` included. */
  url: string;
  status: number;
  body: string;
}

export interface DeliveryRecord {
  installation: Installation;
  webhook: InstalledWebhook;
  delivery: Delivery;
}

/** Delivers room events to the webhooks the installed descriptors declared (docs §7). */
export class Events {
  private readonly background = new Set<Promise<unknown>>();

  constructor(private readonly installer: Installer) {}

  async deliver(roomId: number, event: WebhookEvent, item: Record<string, unknown>): Promise<DeliveryRecord[]> {
    const text = messageText(event, item);
    const targets = this.installer.covering(roomId).flatMap((installation) =>
      installation.webhooks
        .filter((webhook) => webhook.event === event && (text === undefined || !webhook.regex || webhook.regex.test(text)))
        .map((webhook) => ({ installation, webhook })),
    );
    return Promise.all(
      targets.map(async ({ installation, webhook }) => ({
        installation,
        webhook,
        delivery: await this.post(installation, webhook, roomId, event, item),
      })),
    );
  }

  /** Delivers without making the caller wait; `settle()` waits for what is still in flight. */
  deliverInBackground(roomId: number, event: WebhookEvent, item: Record<string, unknown>): void {
    const delivery = this.deliver(roomId, event, item).finally(() => this.background.delete(delivery));
    this.background.add(delivery);
  }

  async settle(): Promise<void> {
    while (this.background.size > 0) await Promise.allSettled([...this.background]);
  }

  private async post(
    installation: Installation,
    webhook: InstalledWebhook,
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
    if (webhook.authentication === 'jwt') {
      const jwt = signHipChatJwt(installation.oauthId, installation.oauthSecret, { userId: actorId(item), roomId });
      url.searchParams.set('signed_request', jwt);
    }
    const envelope = { event, item, oauth_client_id: installation.oauthId, webhook_id: webhook.id };
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
