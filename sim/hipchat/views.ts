import type { Room, User, World } from './state';

/** The JSON shapes HipChat used for rooms and users (docs §5 and §7); `api` is `links.api`. */
export class Views {
  constructor(
    private readonly world: World,
    private readonly api: string,
  ) {}

  userRef(user: User) {
    return {
      id: user.id,
      name: user.name,
      mention_name: user.mention_name,
      version: version(1),
      links: { self: `${this.api}/user/${user.id}` },
    };
  }

  /** `sender` of room_enter/room_exit/room_topic_change items (docs §7). */
  sender(user: User) {
    return { id: user.id, name: user.name, mention_name: user.mention_name };
  }

  user(user: User) {
    const online = this.world.isOnline(user.id);
    return {
      ...this.userRef(user),
      email: user.email,
      title: user.title,
      timezone: user.timezone,
      is_group_admin: user.is_group_admin,
      is_guest: user.is_guest,
      is_deleted: user.is_deleted,
      xmpp_jid: `${this.world.group.id}_${user.id}@chat.hipchat.com`,
      photo_url: null,
      presence: { status: null, show: online ? 'chat' : null, idle: online ? 0 : null, is_online: online },
      created: user.created,
      last_active: null,
    };
  }

  /** `room` inside webhook items (docs §7). */
  roomRef(room: Room) {
    return {
      id: room.id,
      name: room.name,
      privacy: room.privacy,
      is_archived: room.is_archived,
      version: version(room.revision),
      links: this.roomLinks(room),
    };
  }

  room(room: Room) {
    const owner = room.ownerId === null ? undefined : this.world.users.get(room.ownerId);
    return {
      ...this.roomRef(room),
      xmpp_jid: `${this.world.group.id}_${slug(room.name)}@conf.hipchat.com`,
      topic: room.topic,
      is_guest_accessible: false,
      guest_access_url: null,
      created: room.created,
      owner: owner ? this.sender(owner) : null,
      participants: this.users(room.participants),
      statistics: { links: { self: `${this.api}/room/${room.id}/statistics` } },
    };
  }

  /** The real users @mentioned in a message (`mentions` of room_message items and history). */
  mentions(text: string) {
    const names = new Set([...text.matchAll(/@(\w+)/g)].map((match) => match[1]));
    return [...this.world.users.values()].filter((user) => names.has(user.mention_name)).map((user) => this.userRef(user));
  }

  users(ids: Iterable<number>) {
    return [...ids].flatMap((id) => {
      const user = this.world.users.get(id);
      return user ? [this.userRef(user)] : [];
    });
  }

  private roomLinks(room: Room) {
    const self = `${this.api}/room/${room.id}`;
    return {
      self,
      members: `${self}/member`,
      participants: `${self}/participant`,
      webhooks: `${self}/webhook`,
    };
  }
}

/** HipChat versions were short opaque strings; derive one from the revision counter. */
function version(revision: number): string {
  return revision.toString(36).toUpperCase().padStart(8, '0');
}

function slug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '_');
}
