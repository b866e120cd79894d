import assert from 'node:assert/strict';
import { beforeEach, describe, test } from 'node:test';
import { JOIN_WINDOW_MS, JOINS_TOPIC, JoinIndex, type RoomEnter } from '../../lib/invites/join-index';
import { createLogger } from '../../lib/logger';
import type { ChangeFeed } from '../../lib/store/change-feed';
import { insertInvite, upsertRecipient } from '../../lib/store/invites';
import { saveTestInstallation, useFreshStore } from '../helpers/store';
import { waitFor } from '../helpers/wait';

/**
 * The who-may-join index against a real database, with a change feed whose notices the test delivers
 * by hand: so that a notice can arrive after an enter it concerns, as it can from another instance.
 */
class HeldFeed implements ChangeFeed {
  listening = true;
  private readonly subscribers: Array<{ topic: string; onChange: (key: string) => void }> = [];
  private readonly held: Array<[string, string]> = [];
  async publish(topic: string, key: string) {
    this.held.push([topic, key]);
  }
  subscribe(topic: string, onChange: (key: string) => void) {
    this.subscribers.push({ topic, onChange });
  }
  /** Delivers the held notices to every subscriber, as LISTEN/NOTIFY would. */
  deliver() {
    for (const [topic, key] of this.held.splice(0)) for (const s of this.subscribers) if (s.topic === topic) s.onChange(key);
  }
  /** The connection was lost and made again: everything may have changed. */
  relisten() {
    for (const s of this.subscribers) s.onChange('*');
  }
  async close() {}
}

const INSTALLATION = 'inst-join-index';
const store = useFreshStore((db) => saveTestInstallation(db, INSTALLATION));
let inviteCounter = 0;

/** An invite in `roomId` whose recipient accepted and was matched to HipChat user `userId`. */
async function matchedResponder(roomId: number, userId: string, createdAt?: number) {
  const id = `00000000-0000-4000-8000-${String(++inviteCounter).padStart(12, '0')}`;
  await insertInvite(store.db, { id, installationId: INSTALLATION, roomId, roomName: null, inviterId: '1', inviterName: 'Alice', inviterMention: 'alice', description: 'Disk full', idempotencyKey: null, recipients: [{ targetName: `t${userId}`, recipientType: 'PERSON', displayName: `T ${userId}` }] });
  if (createdAt !== undefined) await store.db('invites').where({ id }).update({ created_at: createdAt });
  await upsertRecipient(store.db, id, `t${userId}`, { state: 'accepted', hipchatUserId: userId, hipchatMention: `u${userId}` });
  return id;
}

const enter = (roomId: number, userId: string): RoomEnter => ({ installationId: INSTALLATION, roomId, user: { id: userId, name: `User ${userId}` }, at: Date.now() });

function newIndex(feed: ChangeFeed) {
  const rechecked: RoomEnter[] = [];
  const index = new JoinIndex({ db: store.db, feed, log: createLogger('silent'), recheck: async (e) => void rechecked.push(e) });
  return { index, rechecked };
}

describe('who may join, answered from memory', () => {
  let feed: HeldFeed;
  beforeEach(() => {
    feed = new HeldFeed();
  });

  test('until it is built from the database every enter reads the database; then only awaited users do', async () => {
    await matchedResponder(500, '7');
    const { index } = newIndex(feed);
    assert.equal(index.nobodyWaits(enter(500, '8')), false, 'not built yet: read the database');
    await index.start();
    assert.equal(index.nobodyWaits(enter(500, '7')), false, 'user 7 is awaited in room 500');
    assert.equal(index.nobodyWaits(enter(500, '8')), true, 'nobody waits for user 8');
    assert.equal(index.nobodyWaits(enter(501, '7')), true, 'user 7 is awaited in room 500 only');
    await index.close();
  });

  test('a match recorded in this process is known at once', async () => {
    const { index } = newIndex(feed);
    await index.start();
    assert.equal(index.nobodyWaits(enter(510, '9')), true);
    await matchedResponder(510, '9');
    await index.roomChanged(INSTALLATION, 510);
    await index.settled();
    assert.equal(index.nobodyWaits(enter(510, '9')), false);
    await index.close();
  });

  test('a match another instance recorded just before an enter here: the enter is checked again when its notice arrives', async () => {
    const here = newIndex(feed);
    await here.index.start();
    const elsewhere = newIndex(new HeldFeed());
    await elsewhere.index.start();
    // The other instance records the match; its notice is still on its way when the user enters here.
    await matchedResponder(520, '11');
    await feed.publish(JOINS_TOPIC, `${INSTALLATION}|520`);
    const early = enter(520, '11');
    assert.equal(here.index.nobodyWaits(early), true, 'memory has not heard of the match yet');
    assert.equal(here.index.nobodyWaits(enter(520, '12')), true);
    feed.deliver();
    await waitFor(() => here.rechecked.length > 0, 'the enter is checked again in the database');
    await here.index.settled();
    assert.deepEqual(here.rechecked, [early], 'only the enter of the awaited user is checked again');
    assert.equal(here.index.nobodyWaits(enter(520, '11')), false, 'the next enter reads the database');
    await here.index.close();
    await elsewhere.index.close();
  });

  test('a responder who joined is no longer awaited, in this instance and, through the feed, in others', async () => {
    const inviteId = await matchedResponder(530, '13');
    const here = newIndex(feed);
    await here.index.start();
    assert.equal(here.index.nobodyWaits(enter(530, '13')), false);
    await upsertRecipient(store.db, inviteId, 't13', { state: 'joined', joinedAt: Date.now() });
    await here.index.roomChanged(INSTALLATION, 530);
    await here.index.settled();
    assert.equal(here.index.nobodyWaits(enter(530, '13')), true);
    await here.index.close();
  });

  test('invites older than the join window are not held', async () => {
    await matchedResponder(540, '14', Date.now() - JOIN_WINDOW_MS - 60_000);
    const { index } = newIndex(feed);
    await index.start();
    assert.equal(index.nobodyWaits(enter(540, '14')), true);
    await index.close();
  });

  test('while the feed is not listening every enter reads the database; listening again rebuilds the index from the database', async () => {
    const { index, rechecked } = newIndex(feed);
    await index.start();
    const before = enter(550, '15');
    assert.equal(index.nobodyWaits(before), true);
    feed.listening = false;
    assert.equal(index.nobodyWaits(enter(550, '16')), false, 'notices may be lost: read the database');
    // Changed while nobody listened: no notice ever comes.
    await matchedResponder(550, '15');
    feed.listening = true;
    feed.relisten();
    assert.equal(index.nobodyWaits(enter(550, '16')), false, 'being rebuilt: read the database');
    await index.settled();
    assert.equal(index.nobodyWaits(enter(550, '15')), false, 'the rebuilt index knows the match');
    assert.deepEqual(rechecked, [before], 'the enter answered from memory before the loss is checked again');
    await index.close();
  });
});
