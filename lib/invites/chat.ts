/**
 * What the invite logic needs from a chat platform. lib/hipchat implements it; the invite logic holds no
 * HipChat wire details.
 */
export type NoticeColor = 'yellow' | 'green' | 'red' | 'purple' | 'gray';

export interface NoticeCard {
  id: string;
  title: string;
  description: string;
  url?: string;
  /** How `description` is written (default text). */
  descriptionFormat?: 'text' | 'html';
  attributes: Array<{ label: string; value: string; style?: 'success' | 'error' | 'current' | 'moved' | 'new' | 'complete' }>;
}

export interface RoomNotice {
  /** Plain text, with @mentions written as @name: what clients without cards show. HTML when `format` is html. */
  text: string;
  /** How `text` is written (default text). */
  format?: 'text' | 'html';
  /** A label shown beside the add-on's name, e.g. the monitoring tool an alert came from. */
  from?: string;
  color: NoticeColor;
  /** Whether the room is alerted (sound, badge). */
  notify: boolean;
  card?: NoticeCard;
}

export interface ChatUser {
  id: string;
  name: string;
  mentionName: string;
}

export interface ChatRoom {
  id: number;
  name: string;
  isPrivate: boolean;
  /** Members of a private room (public rooms have none to list). */
  memberIds?: string[];
}

export interface ChatPort {
  postNotice(installationId: string, roomId: number, notice: RoomNotice): Promise<void>;
  /**
   * A user with exactly this e-mail address, else (only when given) with this mention name; undefined
   * when neither finds one. Says which rule matched.
   */
  findUser(installationId: string, by: { email?: string; mentionName?: string }): Promise<{ user: ChatUser; matchedBy: 'email' | 'mention_name' } | undefined>;
  getRoom(installationId: string, roomId: number): Promise<ChatRoom>;
  inviteToRoom(installationId: string, roomId: number, userId: string, reason: string): Promise<void>;
  /** Replaces the room's status line in the chat client's sidebar (HipChat: the add-on's glance). */
  showRoomStatus(installationId: string, roomId: number, status: RoomStatus): Promise<void>;
}

/** A room's one-line status: HTML limited to b, i, strong, span, and an optional lozenge. */
export interface RoomStatus {
  html: string;
  lozenge?: { label: string; type: 'default' | 'success' | 'error' | 'current' | 'new' | 'complete' | 'moved' };
}

/** A chat user as a room event names them. */
export interface ChatPerson {
  id: string;
  name: string;
  mentionName: string;
}

/** What happened in a room, as the chat platform's webhooks tell it. */
export type RoomEvent =
  | { kind: 'message'; messageId: string; text: string; from: ChatPerson }
  | { kind: 'enter'; user: ChatPerson }
  | { kind: 'exit'; user: ChatPerson }
  | { kind: 'archived' | 'unarchived' | 'deleted'; by: ChatPerson | undefined }
  | { kind: 'other'; event: string };
