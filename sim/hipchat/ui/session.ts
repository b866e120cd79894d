import type { NextFunction, Request, Response } from 'express';
import type { User, World } from '../state';

/** Who is using this browser: a cookie naming one of the seeded users (Alice Admin until switched). */
const USER_COOKIE = 'hipchat_sim_user';
const DEFAULT_USER_ID = 1;

export function currentUser(req: Request, world: World): User {
  const id = Number(cookie(req, USER_COOKIE));
  return world.users.get(Number.isInteger(id) ? id : DEFAULT_USER_ID) ?? world.user(DEFAULT_USER_ID);
}

export function setCurrentUser(res: Response, userId: number): void {
  res.cookie(USER_COOKIE, String(userId), { httpOnly: true, sameSite: 'strict', path: '/' });
}

function cookie(req: Request, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return decodeURIComponent(value.join('='));
  }
  return undefined;
}

/** Refuses state-changing requests sent by another site's page (the cookie alone says who acts). */
export function sameOriginOnly(req: Request, res: Response, next: NextFunction): void {
  if (req.method === 'GET' || req.method === 'HEAD') return next();
  const origin = req.headers.origin;
  const fetchSite = req.headers['sec-fetch-site'];
  if ((origin !== undefined && origin !== `${req.protocol}://${req.headers.host ?? ''}`) || fetchSite === 'cross-site' || fetchSite === 'same-site') {
    res.status(403).type('text/plain').send('Cross-origin requests are not accepted by the HipChat simulator UI');
    return;
  }
  next();
}

export interface Notice {
  kind: 'success' | 'error' | 'info';
  text: string;
  /** More lines, shown preformatted (an add-on's refusal body, schema errors). */
  detail?: string;
}

/** One-shot notices shown on the next page a user opens, and the room each user has open. */
export class Sessions {
  private readonly notices = new Map<number, Notice>();
  private readonly openRooms = new Map<number, number>();

  notify(userId: number, notice: Notice): void {
    this.notices.set(userId, notice);
  }

  takeNotice(userId: number): Notice | undefined {
    const notice = this.notices.get(userId);
    this.notices.delete(userId);
    return notice;
  }

  /** The room the user has open in the browser, if any. */
  openRoom(userId: number): number | undefined {
    return this.openRooms.get(userId);
  }

  setOpenRoom(userId: number, roomId: number | undefined): void {
    if (roomId === undefined) this.openRooms.delete(userId);
    else this.openRooms.set(userId, roomId);
  }
}
