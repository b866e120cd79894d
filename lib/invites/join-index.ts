import type { Logger } from '../logger';
import type { ChangeFeed } from '../store/change-feed';
import type { Db } from '../store/db';
import { listMatchedResponders, type MatchedResponder } from '../store/invites';

/** How long after an invite a responder entering the room still counts as answering it. */
export const JOIN_WINDOW_MS = 24 * 60 * 60_000;
/** The change-feed topic: a room where a responder was matched to a chat user, joined, or was removed. */
export const JOINS_TOPIC = 'joins';
/**
 * How long an enter answered from memory is kept: when its room's change notice arrives within this
 * time (it may have been on its way from another instance), the enter is checked again in the database.
 */
const RECHECK_MS = 5_000;
/** Beyond this many kept enters, room_enter reads the database instead (memory stays bounded). */
const MAX_KEPT = 50_000;
const RETRY_MS = 1_000;

export interface RoomEnter {
  installationId: string;
  roomId: number;
  user: { id: string; name: string };
  at: number;
}

export interface JoinIndexDeps {
  db: Db;
  feed: ChangeFeed;
  log: Logger;
  /** Runs the database check for an enter that a change arriving after it may concern. */
  recheck(enter: RoomEnter): Promise<void>;
}

const roomKey = (installationId: string, roomId: number) => `${installationId}|${roomId}`;

/**
 * "Does a responder who was matched to this chat user and has not joined wait for them in this room?"
 * answered from memory, so that a room_enter for anyone else costs no database read.
 *
 * Held: every matched, not yet joined responder of the last JOIN_WINDOW_MS, by room (a superset of
 * who the database check would find: a "maybe" is checked in the database, only a "no" is answered from
 * memory). Built from the database at start and after the change feed lost its connection; while it is
 * being built, every enter reads the database. A room is read again when a responder is matched or joins
 * there, in this process at once and in the others through the change feed. A notice from another
 * instance can arrive a little after an enter it concerns: enters answered from memory are kept for
 * RECHECK_MS, and those of a room that changed are checked in the database when the room has been read
 * (so a responder who entered at most RECHECK_MS before their match reached this instance counts as joined).
 */
export class JoinIndex {
  private readonly waiting = new Map<string, Map<string, number>>();
  private readonly kept: RoomEnter[] = [];
  private keptHead = 0;
  private built = false;
  private rebuildPending = true;
  private readonly roomsPending = new Set<string>();
  private draining: Promise<void> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly deps: JoinIndexDeps) {
    deps.feed.subscribe(JOINS_TOPIC, (key) => (key === '*' ? this.rebuild() : this.roomPending(key)));
  }

  /** Builds the index from the database (the enters before it is built read the database). */
  start(): Promise<void> {
    return this.schedule();
  }

  /**
   * True when memory can say that nobody waits for this user in this room; the enter is then kept for a
   * recheck. False means: read the database.
   */
  nobodyWaits(enter: RoomEnter): boolean {
    if (!this.built || !this.deps.feed.listening) return false;
    const until = this.waiting.get(roomKey(enter.installationId, enter.roomId))?.get(enter.user.id);
    if (until !== undefined && until > enter.at) return false;
    return this.keep(enter);
  }

  /** After a write that may change who waits in a room (a match, a join, a purge): reads the room again here and in every instance. */
  async roomChanged(installationId: string, roomId: number): Promise<void> {
    const key = roomKey(installationId, roomId);
    this.roomPending(key);
    await this.deps.feed.publish(JOINS_TOPIC, key);
  }

  /** Resolves when every change noticed so far has been read. */
  async settled(): Promise<void> {
    while (this.draining) await this.draining;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    await this.settled();
  }

  private rebuild(): void {
    this.built = false;
    this.rebuildPending = true;
    void this.schedule();
  }

  private roomPending(key: string): void {
    this.roomsPending.add(key);
    void this.schedule();
  }

  private schedule(): Promise<void> {
    this.draining ??= this.drain().finally(() => (this.draining = undefined));
    return this.draining;
  }

  /** Reads what was noticed, one read at a time, so that a later read is always applied after an earlier one. */
  private async drain(): Promise<void> {
    while (!this.closed && (this.rebuildPending || this.roomsPending.size > 0)) {
      const full = this.rebuildPending;
      const rooms = full ? undefined : [...this.roomsPending];
      this.rebuildPending = false;
      this.roomsPending.clear();
      let rows: MatchedResponder[];
      try {
        rows = await listMatchedResponders(this.deps.db, Date.now() - JOIN_WINDOW_MS, rooms?.map(parseRoomKey));
      } catch (err) {
        this.deps.log.error({ err: (err as Error).message }, 'who may join could not be read; room_enter reads the database until it is');
        this.built = false;
        this.rebuildPending = true;
        if (!this.closed) this.retryTimer = setTimeout(() => void this.schedule(), RETRY_MS).unref();
        return;
      }
      const changed = full ? undefined : new Set(rooms);
      this.apply(rows, changed);
      if (full) this.built = true;
      await this.recheckKept(changed);
    }
  }

  private apply(rows: MatchedResponder[], rooms: Set<string> | undefined): void {
    if (rooms) for (const key of rooms) this.waiting.delete(key);
    else this.waiting.clear();
    for (const row of rows) {
      const key = roomKey(row.installationId, row.roomId);
      let users = this.waiting.get(key);
      if (!users) this.waiting.set(key, (users = new Map()));
      const until = row.inviteCreatedAt + JOIN_WINDOW_MS;
      users.set(row.hipchatUserId, Math.max(until, users.get(row.hipchatUserId) ?? 0));
    }
    this.dropExpired();
  }

  private dropExpired(): void {
    const now = Date.now();
    for (const [key, users] of this.waiting) {
      for (const [user, until] of users) if (until <= now) users.delete(user);
      if (users.size === 0) this.waiting.delete(key);
    }
  }

  /** Enters kept in `rooms` (every room after a rebuild) whose user now waits there: checked in the database. */
  private async recheckKept(rooms: Set<string> | undefined): Promise<void> {
    this.pruneKept();
    const due = this.kept.slice(this.keptHead).filter((enter) => {
      const key = roomKey(enter.installationId, enter.roomId);
      return (!rooms || rooms.has(key)) && this.waiting.get(key)?.has(enter.user.id);
    });
    for (const enter of due) {
      try {
        await this.deps.recheck(enter);
      } catch (err) {
        this.deps.log.error({ err: (err as Error).message, roomId: enter.roomId }, 'a room_enter could not be checked again');
      }
    }
  }

  private keep(enter: RoomEnter): boolean {
    this.pruneKept();
    if (this.kept.length - this.keptHead >= MAX_KEPT) return false;
    this.kept.push(enter);
    return true;
  }

  private pruneKept(): void {
    const oldest = Date.now() - RECHECK_MS;
    while (this.keptHead < this.kept.length && this.kept[this.keptHead]!.at < oldest) this.keptHead++;
    // Compact now and then rather than shifting on every enter.
    if (this.keptHead > 1024 && this.keptHead * 2 > this.kept.length) {
      this.kept.splice(0, this.keptHead);
      this.keptHead = 0;
    }
  }
}

function parseRoomKey(key: string): { installationId: string; roomId: number } {
  const split = key.lastIndexOf('|');
  return { installationId: key.slice(0, split), roomId: Number(key.slice(split + 1)) };
}
