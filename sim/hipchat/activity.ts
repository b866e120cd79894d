import { randomUUID } from 'node:crypto';
import type { Delivery, Events } from './events';
import { parseNotification, type Notifier } from './notifications';
import { addMessage, hipchatDate, type ChatMessage, type Privacy, type Room, type World } from './state';
import type { Views } from './views';

/** What people do in the simulated HipChat client: each changes the world and fires its room event. */
export class Activity {
  constructor(
    private readonly world: World,
    private readonly views: Views,
    private readonly events: Events,
    private readonly notifier: Notifier,
  ) {}

  /**
   * A user types `text` in a room: room_message goes to every webhook whose pattern matches, and a
   * 200 JSON reply in send-notification format is posted to the room from that add-on (docs §7).
   */
  async sendMessage(roomId: number, userId: number, text: string): Promise<{ messageId: string; deliveries: Delivery[] }> {
    const { room, message } = this.recordMessage(roomId, userId, text);
    return { messageId: message.id, deliveries: await this.announceMessage(room, message) };
  }

  /** As `sendMessage`, but answered at once and announced in the background (`POST room/{id}/message`). */
  postMessage(roomId: number, userId: number, text: string): ChatMessage {
    const { room, message } = this.recordMessage(roomId, userId, text);
    this.events.track(this.announceMessage(room, message));
    return message;
  }

  private recordMessage(roomId: number, userId: number, text: string): { room: Room; message: ChatMessage } {
    const room = this.openRoom(roomId);
    const user = this.world.user(userId);
    this.assertMayEnter(room, userId);
    const message: ChatMessage = { id: randomUUID(), from: this.views.sender(user), message: text, date: hipchatDate() };
    addMessage(room, message);
    return { room, message };
  }

  private async announceMessage(room: Room, message: ChatMessage): Promise<Delivery[]> {
    const user = this.world.user(message.from.id);
    const item = {
      message: {
        id: message.id,
        date: message.date,
        from: this.views.userRef(user),
        mentions: this.views.mentions(message.message),
        message: message.message,
        type: 'message',
      },
      room: this.views.roomRef(room),
    };
    const records = await this.events.deliver(room.id, 'room_message', item);
    for (const { replyAs, delivery } of records) {
      const reply = delivery.status === 200 ? parseJson(delivery.body) : undefined;
      if (reply === undefined) continue;
      const notification = parseNotification(reply);
      if (notification.ok) this.notifier.post(room, replyAs, notification.value);
    }
    return records.map((record) => record.delivery);
  }

  async enterRoom(roomId: number, userId: number): Promise<Delivery[]> {
    const room = this.openRoom(roomId);
    this.assertMayEnter(room, userId);
    room.participants.add(userId);
    return this.fire(room, 'room_enter', userId);
  }

  async exitRoom(roomId: number, userId: number): Promise<Delivery[]> {
    const room = this.world.room(roomId);
    room.participants.delete(userId);
    return this.fire(room, 'room_exit', userId);
  }

  async setTopic(roomId: number, userId: number, topic: string): Promise<Delivery[]> {
    const room = this.openRoom(roomId);
    room.topic = topic;
    room.revision += 1;
    return this.fire(room, 'room_topic_change', userId, { topic });
  }

  async archiveRoom(roomId: number, userId?: number): Promise<Delivery[]> {
    const room = this.world.room(roomId);
    room.is_archived = true;
    room.participants.clear();
    room.revision += 1;
    return this.fire(room, 'room_archived', userId);
  }

  async unarchiveRoom(roomId: number, userId?: number): Promise<Delivery[]> {
    const room = this.world.room(roomId);
    room.is_archived = false;
    room.revision += 1;
    return this.fire(room, 'room_unarchived', userId);
  }

  /** The room is gone (the API answers 404) before room_deleted is delivered. */
  async deleteRoom(roomId: number, userId?: number): Promise<Delivery[]> {
    const room = this.world.room(roomId);
    this.world.rooms.delete(roomId);
    return this.fire(room, 'room_deleted', userId);
  }

  async createRoom(spec: { name: string; privacy?: Privacy; ownerId: number }): Promise<{ roomId: number; deliveries: Delivery[] }> {
    const room = this.world.createRoom(spec);
    return { roomId: room.id, deliveries: await this.fire(room, 'room_created', spec.ownerId) };
  }

  /** Items are `{room, sender?, ...extra}` (docs §7). */
  private async fire(
    room: Room,
    event: 'room_enter' | 'room_exit' | 'room_topic_change' | 'room_archived' | 'room_unarchived' | 'room_deleted' | 'room_created',
    userId: number | undefined,
    extra: Record<string, unknown> = {},
  ): Promise<Delivery[]> {
    const item: Record<string, unknown> = { room: this.views.roomRef(room) };
    if (userId !== undefined) item.sender = this.views.sender(this.world.user(userId));
    const records = await this.events.deliver(room.id, event, { ...item, ...extra });
    return records.map((record) => record.delivery);
  }

  private openRoom(roomId: number): Room {
    const room = this.world.room(roomId);
    if (room.is_archived) throw new Error(`room ${roomId} is archived`);
    return room;
  }

  private assertMayEnter(room: Room, userId: number): void {
    this.world.user(userId);
    if (room.privacy === 'private' && !room.members.has(userId)) {
      throw new Error(`user ${userId} is not a member of private room ${room.id}`);
    }
  }
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}
