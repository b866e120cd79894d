import { callAddon, type HttpOutcome } from './addon-http';
import { fetchDescriptor, type Descriptor, type WebhookDeclaration } from './descriptor';
import type { OAuthRegistry } from './oauth';
import { compilePattern } from './pattern';
import { hipchatDate, type World } from './state';

export interface InstalledWebhook extends WebhookDeclaration {
  /** HipChat's integer `webhook_id` of the delivery envelope (docs §7). */
  id: number;
  regex?: RegExp;
}

export interface Installation {
  oauthId: string;
  oauthSecret: string;
  groupId: number;
  roomId?: number;
  descriptorUrl: string;
  descriptor: Descriptor;
  callbackUrl: string;
  webhooks: InstalledWebhook[];
  installedAt: string;
}

/** What the install POST told the add-on (docs §2). */
export interface InstallationCredentials {
  oauthId: string;
  oauthSecret: string;
  groupId: number;
  roomId?: number;
}

/** `status` is the add-on's, or 400 with the reason when the simulated HipChat refused the add-on. */
export interface InstallOutcome extends HttpOutcome {
  installation?: InstallationCredentials;
}

/** Installs and uninstalls add-ons the way HipChat's server-side installation flow did (docs §2). */
export class Installer {
  readonly installations = new Map<string, Installation>();
  /** Revoked or uninstalled installations, kept so that `restore` can bring them back. */
  private readonly removed = new Map<string, Installation>();
  private lastWebhookId = 999;

  constructor(
    private readonly world: World,
    private readonly oauth: OAuthRegistry,
    private readonly capabilitiesUrl: string,
  ) {}

  async install(descriptorUrl: string, opts: { roomId?: number } = {}): Promise<InstallOutcome> {
    if (opts.roomId !== undefined) this.world.room(opts.roomId);
    const fetched = await fetchDescriptor(descriptorUrl);
    if (!fetched.ok) return { status: 400, body: fetched.message };
    const descriptor = fetched.descriptor;
    const installable = descriptor.capabilities?.installable ?? {};
    if (opts.roomId !== undefined && installable.allowRoom === false) {
      return { status: 400, body: `${descriptor.name} cannot be installed in a room (installable.allowRoom is false)` };
    }
    if (opts.roomId === undefined && installable.allowGlobal === false) {
      return { status: 400, body: `${descriptor.name} cannot be installed globally (installable.allowGlobal is false)` };
    }
    if (!installable.callbackUrl) {
      return {
        status: 400,
        body: `${descriptor.name} has no installable.callbackUrl; the simulator only performs server-side installation`,
      };
    }

    const scopes = descriptor.capabilities?.hipchatApiConsumer?.scopes ?? [];
    const client = this.oauth.createClient(scopes, this.world.group.id, opts.roomId);
    const credentials: InstallationCredentials = {
      oauthId: client.oauthId,
      oauthSecret: client.secret,
      groupId: client.groupId,
    };
    if (opts.roomId !== undefined) credentials.roomId = opts.roomId;
    // Registered before the callback, because the add-on verifies the secret (token grant) inside it.
    const installation: Installation = {
      ...credentials,
      descriptorUrl,
      descriptor,
      callbackUrl: installable.callbackUrl,
      webhooks: (descriptor.capabilities?.webhook ?? []).map((webhook) => ({
        ...webhook,
        id: this.nextWebhookId(),
        ...(webhook.pattern === undefined ? {} : { regex: compilePattern(webhook.pattern) }),
      })),
      installedAt: hipchatDate(),
    };
    this.installations.set(client.oauthId, installation);

    const outcome = await callAddon('post', installable.callbackUrl, {
      capabilitiesUrl: this.capabilitiesUrl,
      ...credentials,
    });
    if (outcome.status >= 200 && outcome.status < 300) return { ...outcome, installation: credentials };
    this.oauth.forget(client.oauthId);
    this.installations.delete(client.oauthId);
    return outcome;
  }

  /** Revokes the OAuth client first, then tells the add-on with `DELETE {callbackUrl}/{oauthId}`. */
  async uninstall(oauthId: string): Promise<HttpOutcome> {
    const installation = this.get(oauthId);
    this.revoke(oauthId);
    return callAddon('delete', `${installation.callbackUrl.replace(/\/+$/, '')}/${encodeURIComponent(oauthId)}`);
  }

  /** Removes the installation and its OAuth client without telling the add-on. */
  revoke(oauthId: string): void {
    const installation = this.installations.get(oauthId);
    if (installation) this.removed.set(oauthId, installation);
    this.oauth.revoke(oauthId);
    this.installations.delete(oauthId);
  }

  /** Undoes `revoke` (or `uninstall`): the same installation, and its client granted tokens with the old secret. */
  restore(oauthId: string): void {
    const installation = this.removed.get(oauthId);
    if (!installation) throw new Error(`no revoked installation ${oauthId} in the simulator`);
    this.oauth.restore(oauthId);
    this.removed.delete(oauthId);
    this.installations.set(oauthId, installation);
  }

  /** HipChat's integer webhook ids, shared by descriptor webhooks and those created over REST. */
  nextWebhookId(): number {
    this.lastWebhookId += 1;
    return this.lastWebhookId;
  }

  get(oauthId: string): Installation {
    const installation = this.installations.get(oauthId);
    if (!installation) throw new Error(`no installation ${oauthId} in the simulator`);
    return installation;
  }

  /** Global installations cover every room of the group; room installations only their room. */
  covering(roomId: number): Installation[] {
    return [...this.installations.values()].filter(
      (installation) => installation.roomId === undefined || installation.roomId === roomId,
    );
  }
}
