export interface User {
  id: number;
  name: string;
  mention_name: string;
  email: string;
  title: string;
  timezone: string;
  is_group_admin: boolean;
  is_guest: boolean;
  is_deleted: boolean;
  created: string;
}

export type Privacy = 'public' | 'private';
export type Color = 'yellow' | 'green' | 'red' | 'purple' | 'gray' | 'random';

/** Who a notification is from: the principal of the token that posted it (see tokens.ts). */
export type Sender =
  | { type: 'addon'; oauthId: string }
  | { type: 'integration'; integrationId: number; name: string }
  | { type: 'user'; userId: number };

/** A notification as it was accepted by `POST room/{id}/notification` (or from a webhook reply). */
export interface RoomNotification {
  id: string;
  /** The optional `from` label of the request ('' when none). */
  from: string;
  sender: Sender;
  color: Color;
  message_format: 'html' | 'text';
  message: string;
  card?: Record<string, unknown>;
  notify: boolean;
  date: string;
}

/** A chat message typed by a user (see `sendMessage`). */
export interface ChatMessage {
  id: string;
  from: { id: number; name: string; mention_name: string };
  message: string;
  date: string;
}

export interface Room {
  id: number;
  name: string;
  privacy: Privacy;
  is_archived: boolean;
  topic: string;
  ownerId: number | null;
  /** Who may enter a private room (owner included); invites add to it. */
  members: Set<number>;
  /** Who is in the room right now. */
  participants: Set<number>;
  created: string;
  /** Bumped on every change; shown as the room's `version`. */
  revision: number;
  messages: ChatMessage[];
  notifications: RoomNotification[];
  /** Both, in the order they were posted (timestamps can tie within a millisecond). */
  history: HistoryEntry[];
}

export type HistoryEntry = { kind: 'message'; item: ChatMessage } | { kind: 'notification'; item: RoomNotification };

export function addMessage(room: Room, message: ChatMessage): void {
  room.messages.push(message);
  room.history.push({ kind: 'message', item: message });
}

export function addNotification(room: Room, notification: RoomNotification): void {
  room.notifications.push(notification);
  room.history.push({ kind: 'notification', item: notification });
}

/** HipChat's date format: ISO-8601 with microseconds and an explicit "+00:00" offset (docs §7). */
export function hipchatDate(date = new Date()): string {
  return date.toISOString().replace('Z', '000+00:00');
}

const SEED_DATE = '2017-01-02T09:00:00.000000+00:00';

function seedUser(id: number, name: string, mention: string, extra: Partial<User> = {}): User {
  return {
    id,
    name,
    mention_name: mention,
    email: `${mention}@acme.example`,
    title: '',
    timezone: 'UTC',
    is_group_admin: false,
    is_guest: false,
    is_deleted: false,
    created: SEED_DATE,
    ...extra,
  };
}

/** The simulated HipChat group: its users, rooms and what was posted into them. */
export class World {
  readonly group = { id: 1, name: 'Acme' } as const;
  readonly users = new Map<number, User>();
  readonly rooms = new Map<number, Room>();
  /** Add-on keys each user has authorized on first use of one of its dialogs. */
  private readonly authorizedAddons = new Map<number, Set<string>>();
  private nextRoomId = 100;

  constructor() {
    for (const user of [
      seedUser(1, 'Alice Admin', 'alice', { is_group_admin: true, title: 'Ops lead' }),
      seedUser(2, 'Bob Smith', 'bsmith'),
      seedUser(3, 'Carol Jones', 'cjones'),
      seedUser(4, 'Dan Brown', 'dbrown'),
      seedUser(5, 'Erin Guest', 'eguest', { is_guest: true }),
    ]) {
      this.users.set(user.id, user);
    }
    this.createRoom({ name: 'Ops War Room', privacy: 'public', ownerId: 1 }, SEED_DATE);
    this.createRoom({ name: 'Incident 42', privacy: 'private', ownerId: 1 }, SEED_DATE);
    this.createRoom({ name: 'Random', privacy: 'public', ownerId: 2 }, SEED_DATE);
  }

  createRoom(spec: { name: string; privacy?: Privacy; ownerId?: number | null }, created = hipchatDate()): Room {
    const ownerId = spec.ownerId ?? null;
    if (ownerId !== null) this.user(ownerId);
    if (this.findRoom(spec.name)) throw new Error(`a room named "${spec.name}" already exists`);
    const room: Room = {
      id: this.nextRoomId++,
      name: spec.name,
      privacy: spec.privacy ?? 'public',
      is_archived: false,
      topic: '',
      ownerId,
      members: new Set(ownerId === null ? [] : [ownerId]),
      participants: new Set(),
      created,
      revision: 1,
      messages: [],
      notifications: [],
      history: [],
    };
    this.rooms.set(room.id, room);
    return room;
  }

  room(id: number): Room {
    const room = this.rooms.get(id);
    if (!room) throw new Error(`no room ${id} in the simulator`);
    return room;
  }

  user(id: number): User {
    const user = this.users.get(id);
    if (!user) throw new Error(`no user ${id} in the simulator`);
    return user;
  }

  /** A room by id or by name (names compare case-insensitively), as `{room_id_or_name}` in the API. */
  findRoom(ref: string): Room | undefined {
    if (/^\d+$/.test(ref)) return this.rooms.get(Number(ref));
    const name = ref.toLowerCase();
    return [...this.rooms.values()].find((room) => room.name.toLowerCase() === name);
  }

  /** A user by id, email or @mention_name, as `{id_or_email}` in the API. */
  findUser(ref: string): User | undefined {
    if (/^\d+$/.test(ref)) return this.users.get(Number(ref));
    const users = [...this.users.values()];
    if (ref.startsWith('@')) return users.find((user) => user.mention_name === ref.slice(1));
    const email = ref.toLowerCase();
    return users.find((user) => user.email.toLowerCase() === email);
  }

  /** A group admin deleted the user: gone from every room, still found by id (with `is_deleted`). */
  deleteUser(id: number): void {
    this.user(id).is_deleted = true;
    for (const room of this.rooms.values()) {
      room.participants.delete(id);
      room.members.delete(id);
    }
  }

  hasAuthorized(userId: number, addonKey: string): boolean {
    return this.authorizedAddons.get(userId)?.has(addonKey) ?? false;
  }

  authorize(userId: number, addonKey: string): void {
    const keys = this.authorizedAddons.get(userId) ?? new Set<string>();
    keys.add(addonKey);
    this.authorizedAddons.set(userId, keys);
  }

  isOnline(userId: number): boolean {
    return [...this.rooms.values()].some((room) => room.participants.has(userId));
  }
}
