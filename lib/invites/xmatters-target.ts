import type { AxiosInstance } from 'axios';
import type { CallbackCredentialFactory } from '../security/callback-credentials';
import { unsealInviteUrl } from '../security/invite-url-secret';
import type { Sealer } from '../security/seal';
import type { Db } from '../store/db';
import { findStoredSettings } from '../store/settings';
import { createXMattersClient, type XMattersClient } from '../xmatters/client';
import { parseHostname } from '../xmatters/hostname';
import { DEFAULT_ANSWERS, type AnswerMapping } from './answers';
import type { XMattersTarget } from './service';

export interface XMattersConnection {
  client: XMattersClient;
  /** Set once Save Settings stored an Invite to Room URL. With its real `apiKey`, if any: never show or log it. */
  inviteUrl: string | null;
  callback: { url: string; username: string; password: string } | null;
  /** An admin allowed matching responders to HipChat users by mention name = xMatters user ID. */
  matchMentionNames: boolean;
  /** What answers mean: the admin's lists, or the defaults. */
  answers: AnswerMapping;
  /** The integration user the add-on signs in as (its own comments come back with this author). */
  username: string;
  /** The two directions of the shared timeline, as an admin set them. */
  timeline: { roomToXmatters: boolean; xmattersToRoom: boolean };
}

export type XMattersConnections = ReturnType<typeof xmattersConnections>;

/** Builds an installation's xMatters client and callback credentials from its stored settings. */
export function xmattersConnections(deps: {
  db: Db;
  sealer: Sealer;
  callbackCredentials: CallbackCredentialFactory;
  http: AxiosInstance;
  allowedHosts: string[];
  callbackUrl: string;
}) {
  async function connectionFor(installationId: string): Promise<XMattersConnection | undefined> {
    const settings = await findStoredSettings(deps.db, installationId);
    if (!settings) return undefined;
    const host = parseHostname(settings.hostname, deps.allowedHosts);
    if (!host.ok) return undefined;
    const client = createXMattersClient({
      hostname: host.hostname,
      scheme: host.scheme,
      username: settings.username,
      password: deps.sealer.unseal(settings.passwordSealed),
      http: deps.http,
    });
    const callback =
      settings.callbackUsername && settings.callbackNonce
        ? { url: deps.callbackUrl, username: settings.callbackUsername, password: deps.callbackCredentials.passwordFor(installationId, settings.callbackNonce) }
        : null;
    const inviteUrl = settings.inviteUrlSealed === null ? null : unsealInviteUrl(settings.inviteUrlSealed, deps.sealer);
    return {
      client,
      inviteUrl,
      callback,
      matchMentionNames: settings.matchMentionNames,
      answers: { accept: settings.acceptAnswers ?? DEFAULT_ANSWERS.accept, decline: settings.declineAnswers ?? DEFAULT_ANSWERS.decline },
      username: settings.username,
      timeline: { roomToXmatters: settings.roomToXmatters, xmattersToRoom: settings.xmattersToRoom },
    };
  }

  return {
    connectionFor,
    /** What the trigger job needs; undefined until the settings are complete. */
    async targetFor(installationId: string): Promise<XMattersTarget | undefined> {
      const connection = await connectionFor(installationId);
      if (!connection?.inviteUrl || !connection.callback) return undefined;
      return { inviteUrl: connection.inviteUrl, client: connection.client };
    },
  };
}
