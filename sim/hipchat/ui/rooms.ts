import express, { Router, type Request, type Response } from 'express';
import type { Room, User } from '../state';
import { mayAdminister, visibleRoom } from './access';
import type { UiDeps } from './deps';
import { UiError } from './errors';
import { page } from './layout';
import { html } from './html';
import { lobbyMain, notMemberMain, participantsPanel, roomMain, topicHtml } from './room-page';
import { currentUser, setCurrentUser } from './session';
import { feedVersion, renderTimeline } from './timeline';
import { glancesPanel, pushedGlances, roomGlances } from './glances';

const form = express.urlencoded({ extended: false, limit: '64kb' });

/** The chat client: lobby, rooms, what people do in them, and who is using the browser. */
export function roomsRouter(deps: UiDeps): Router {
  const { world, activity, sessions } = deps;
  const router = Router();

  router.get('/', (_req, res) => res.redirect('/chat'));

  router.get('/chat', (req, res) => {
    const user = currentUser(req, world);
    res.type('html').send(
      page({ title: 'Lobby', world, user, section: 'rooms', notice: sessions.takeNotice(user.id), main: lobbyMain(world, user), path: '/chat' }).value,
    );
  });

  router.get('/chat/room/:id', async (req, res) => {
    const user = currentUser(req, world);
    let room: Room;
    try {
      room = visibleRoom(world, req.params.id, user);
    } catch (err) {
      const locked = world.rooms.get(Number(req.params.id));
      if (!(err instanceof UiError) || err.status !== 403 || !locked) throw err;
      res.status(403).type('html').send(
        page({ title: locked.name, world, user, roomId: locked.id, section: 'rooms', main: notMemberMain(locked), path: req.path }).value,
      );
      return;
    }
    await moveInto(room, user);
    const items = renderTimeline(room, world, deps.installer, user.mention_name);
    const glances = roomGlances(deps.installer.covering(room.id), { room, user, store: deps.glances, pageUrl: deps.pageUrl });
    res.type('html').send(
      page({
        title: room.name,
        world,
        user,
        roomId: room.id,
        section: 'rooms',
        notice: sessions.takeNotice(user.id),
        main: roomMain(room, user, items, feedVersion(room, deps.glances.version(room.id))),
        aside: html`${glancesPanel(glances)}<div id="participants">${participantsPanel(room, world, user)}</div>`,
        scripts: ['room.js'],
        path: req.path,
      }).value,
    );
  });

  /** What changed since `version`: 204 when nothing did. */
  router.get('/chat/room/:id/feed', (req, res) => {
    const user = currentUser(req, world);
    const room = visibleRoom(world, req.params.id, user);
    const version = feedVersion(room, deps.glances.version(room.id));
    res.set('Cache-Control', 'no-store');
    if (req.query.version === version) {
      res.status(204).end();
      return;
    }
    res.json({
      version,
      topic: html`${topicHtml(room)}`.value,
      archived: room.is_archived,
      items: renderTimeline(room, world, deps.installer, user.mention_name),
      participants: participantsPanel(room, world, user).value,
      glances: pushedGlances(deps.installer.covering(room.id), room, user, deps.glances),
    });
  });

  router.post('/chat/room/:id/message', form, async (req, res) => {
    const { user, room } = acting(req);
    const text = field(req, 'message').trim();
    if (!text) throw new UiError(400, 'Type a message first');
    if (text.length > 10_000) throw new UiError(400, 'A message is at most 10000 characters');
    await attempt(res, user, room, () => activity.sendMessage(room.id, user.id, text));
  });

  router.post('/chat/room/:id/topic', form, async (req, res) => {
    const { user, room } = acting(req);
    const topic = field(req, 'topic').trim().slice(0, 250);
    await attempt(res, user, room, () => activity.setTopic(room.id, user.id, topic), topic ? `Topic set to “${topic}”` : 'Topic cleared');
  });

  router.post('/chat/room/:id/leave', async (req, res) => {
    const { user, room } = acting(req);
    await activity.exitRoom(room.id, user.id);
    sessions.setOpenRoom(user.id, undefined);
    sessions.notify(user.id, { kind: 'info', text: `You left ${room.name}` });
    res.redirect(303, '/chat');
  });

  router.post('/chat/room/:id/archive', async (req, res) => {
    const { user, room } = administered(req);
    await activity.archiveRoom(room.id, user.id);
    sessions.notify(user.id, { kind: 'info', text: `${room.name} is archived` });
    res.redirect(303, `/chat/room/${room.id}`);
  });

  router.post('/chat/room/:id/unarchive', async (req, res) => {
    const { user, room } = administered(req);
    await activity.unarchiveRoom(room.id, user.id);
    sessions.notify(user.id, { kind: 'success', text: `${room.name} is open again` });
    res.redirect(303, `/chat/room/${room.id}`);
  });

  router.post('/chat/room/:id/delete', async (req, res) => {
    const { user, room } = administered(req);
    await activity.deleteRoom(room.id, user.id);
    sessions.notify(user.id, { kind: 'info', text: `${room.name} was deleted` });
    res.redirect(303, '/chat');
  });

  router.post('/chat/room/:id/invite', form, (req, res) => {
    const { user, room } = acting(req);
    const invited = world.users.get(Number(field(req, 'userId')));
    if (!invited) throw new UiError(400, 'Choose someone to invite');
    room.members.add(invited.id);
    room.revision += 1;
    sessions.notify(user.id, { kind: 'success', text: `${invited.name} is now a member of ${room.name}` });
    res.redirect(303, `/chat/room/${room.id}`);
  });

  router.post('/chat/rooms', form, async (req, res) => {
    const user = currentUser(req, world);
    if (user.is_guest) throw new UiError(403, 'Guests cannot create rooms');
    const name = field(req, 'name').trim();
    if (name.length < 1 || name.length > 50) throw new UiError(400, 'A room name has 1 to 50 characters');
    if (world.findRoom(name)) {
      sessions.notify(user.id, { kind: 'error', text: `A room named “${name}” already exists` });
      res.redirect(303, '/chat');
      return;
    }
    const { roomId } = await activity.createRoom({ name, privacy: field(req, 'private') ? 'private' : 'public', ownerId: user.id });
    res.redirect(303, `/chat/room/${roomId}`);
  });

  /** Signs the browser in as another seeded user; the previous one leaves the room they had open. */
  router.post('/chat/user', form, async (req, res) => {
    const previous = currentUser(req, world);
    const next = world.users.get(Number(field(req, 'userId')));
    if (!next) throw new UiError(400, 'There is no such user');
    if (next.id !== previous.id) await leaveOpenRoom(previous);
    setCurrentUser(res, next.id);
    const returnTo = field(req, 'returnTo');
    res.redirect(303, /^\/(?!\/)[\w\-/.?=&%]*$/.test(returnTo) ? returnTo : '/chat');
  });

  /** Opening a room enters it (room_enter) and leaves the one open before (room_exit). */
  async function moveInto(room: Room, user: User): Promise<void> {
    if (sessions.openRoom(user.id) !== room.id) await leaveOpenRoom(user);
    if (room.is_archived) return;
    sessions.setOpenRoom(user.id, room.id);
    if (!room.participants.has(user.id)) await activity.enterRoom(room.id, user.id);
  }

  async function leaveOpenRoom(user: User): Promise<void> {
    const open = sessions.openRoom(user.id);
    sessions.setOpenRoom(user.id, undefined);
    const room = open === undefined ? undefined : world.rooms.get(open);
    if (room?.participants.has(user.id)) await activity.exitRoom(room.id, user.id);
  }

  function acting(req: Request): { user: User; room: Room } {
    const user = currentUser(req, world);
    return { user, room: visibleRoom(world, req.params.id, user) };
  }

  function administered(req: Request): { user: User; room: Room } {
    const acted = acting(req);
    if (!mayAdminister(acted.room, acted.user)) throw new UiError(403, `Only the owner of ${acted.room.name} or a group admin can do that`);
    return acted;
  }

  /** Runs a room activity; a refusal (an archived room, say) becomes a notice instead of an error page. */
  async function attempt(res: Response, user: User, room: Room, work: () => Promise<unknown>, success?: string): Promise<void> {
    try {
      await work();
      if (success) sessions.notify(user.id, { kind: 'success', text: success });
    } catch (err) {
      sessions.notify(user.id, { kind: 'error', text: (err as Error).message });
    }
    res.redirect(303, `/chat/room/${room.id}`);
  }

  return router;
}

function field(req: Request, name: string): string {
  const value = (req.body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : '';
}
