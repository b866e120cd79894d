import type { AxiosInstance, AxiosRequestConfig } from 'axios';
import { toHipChatError } from './errors';
import type { Installation } from './installations';
import type { TokenCache } from './tokens';

export type NotificationColor = 'yellow' | 'green' | 'red' | 'purple' | 'gray' | 'random';

export interface Card {
  style: 'file' | 'image' | 'application' | 'link' | 'media';
  id: string;
  title: string;
  url?: string;
  description?: string | { value: string; format: 'html' | 'text' };
  format?: 'compact' | 'medium';
  icon?: { url: string; 'url@2x'?: string };
  attributes?: Array<{ label?: string; value: { label: string; url?: string; style?: string; icon?: { url: string } } }>;
  activity?: { html: string; icon?: string | { url: string } };
  metadata?: Record<string, unknown>;
}

export interface RoomNotification {
  message: string;
  message_format?: 'html' | 'text';
  color?: NotificationColor;
  notify?: boolean;
  from?: string;
  card?: Card;
}

export interface HipChatUser {
  id: number;
  name: string;
  mention_name: string;
  email?: string;
  is_group_admin?: boolean;
  is_guest?: boolean;
  [key: string]: unknown;
}

export interface HipChatRoom {
  id: number;
  name: string;
  privacy: 'public' | 'private';
  is_archived: boolean;
  owner?: { id: number; name: string; mention_name: string } | null;
  [key: string]: unknown;
}

/** Glance data (docs §5): an HTML label and an optional lozenge. */
export interface GlanceContent {
  label: { type: 'html'; value: string };
  status?: { type: 'lozenge'; value: { label: string; type: string } };
}

export type HipChatCallHook = (installationId: string, call: { method: string; url: string }) => Promise<void>;

/**
 * HipChat REST API v2 for one installation. URLs come from the installation's API URL; a 401 drops the
 * cached token and retries once; failures are HipChatApiErrors carrying Retry-After.
 */
export class HipChatClient {
  constructor(
    private readonly installation: Installation,
    private readonly tokens: TokenCache,
    private readonly http: AxiosInstance,
    /** Told of every request sent to HipChat, answered or not (HipChat's budget counts them all). */
    private readonly onCall?: HipChatCallHook,
  ) {}

  async sendNotification(roomId: number | string, notification: RoomNotification): Promise<void> {
    await this.call('sending a room notification', {
      method: 'POST',
      url: `room/${encodeURIComponent(String(roomId))}/notification`,
      data: notification,
    });
  }

  /** A user by id, email or @mention name. */
  async getUser(idOrEmailOrMention: number | string): Promise<HipChatUser> {
    return this.call('looking up a user', {
      method: 'GET',
      url: `user/${encodeURIComponent(String(idOrEmailOrMention))}`,
    });
  }

  async getRoom(roomId: number | string): Promise<HipChatRoom> {
    return this.call('reading a room', { method: 'GET', url: `room/${encodeURIComponent(String(roomId))}` });
  }

  /** Ids of a room's members (private rooms), following HipChat's paging up to `maxPages` pages. */
  async getRoomMemberIds(roomId: number | string, maxPages = 10): Promise<number[]> {
    const ids: number[] = [];
    for (let page = 0; page < maxPages; page++) {
      const list = await this.call<{ items: Array<{ id: number }>; links?: { next?: string } }>('listing room members', {
        method: 'GET',
        url: `room/${encodeURIComponent(String(roomId))}/member`,
        params: { 'start-index': page * 1000, 'max-results': 1000 },
      });
      ids.push(...list.items.map((m) => m.id));
      if (!list.links?.next) break;
    }
    return ids;
  }

  async inviteUser(roomId: number | string, user: number | string, reason: string): Promise<void> {
    await this.call('inviting a user into a room', {
      method: 'POST',
      url: `room/${encodeURIComponent(String(roomId))}/invite/${encodeURIComponent(String(user))}`,
      data: { reason },
    });
  }

  /** `POST addon/ui/room/{roomId}` [view_room] → 204: the room's glance shows `content` without being queried (docs §5). */
  async updateRoomGlance(roomId: number | string, key: string, content: GlanceContent): Promise<void> {
    await this.call('updating the room glance', {
      method: 'POST',
      url: `addon/ui/room/${encodeURIComponent(String(roomId))}`,
      data: { glance: [{ key, content }] },
    });
  }

  private async call<T>(what: string, request: AxiosRequestConfig): Promise<T> {
    const baseURL = this.installation.apiUrl.endsWith('/') ? this.installation.apiUrl : `${this.installation.apiUrl}/`;
    for (let attempt = 0; ; attempt++) {
      const token = await this.tokens.get(this.installation);
      try {
        const sent = this.http.request<T>({ ...request, baseURL, maxRedirects: 0, headers: { authorization: `Bearer ${token}` } });
        const res = await sent.finally(() => this.onCall?.(this.installation.oauthId, { method: request.method ?? 'GET', url: request.url ?? '' }));
        return res.data;
      } catch (err) {
        const error = toHipChatError(err, what);
        if (error.code === 'unauthorized' && attempt === 0) {
          this.tokens.invalidate(this.installation.oauthId);
          continue;
        }
        throw error;
      }
    }
  }
}
