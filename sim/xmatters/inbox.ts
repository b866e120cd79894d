import express, { Router, type Response } from 'express';
import type { Directory } from './directory';
import { RESPONSE_OPTIONS, RespondError, type EventStore, type SimEvent, type SimNotification } from './events';
import { INBOX_CSS, escapeHtml, layout } from './html';

// The responder's side: a person's notifications with Accept / Decline and a comment, as plain
// server-rendered pages and form posts. Answering here sends the response callbacks.

const CSP = "default-src 'none'; style-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

export function inboxRouter(directory: Directory, events: EventStore): Router {
  const router = Router();
  router.use((_req, res, next) => {
    res.setHeader('Content-Security-Policy', CSP);
    next();
  });

  router.get('/inbox.css', (_req, res) => {
    res.type('text/css').send(INBOX_CSS);
  });

  router.get('/', (req, res) => {
    const wanted = typeof req.query.person === 'string' ? req.query.person.trim() : '';
    if (wanted) {
      res.redirect(303, `/inbox/${encodeURIComponent(wanted)}`);
      return;
    }
    const notified = [...new Set(events.events.flatMap((e) => e.notifications.map((n) => n.targetName)))];
    const items = notified
      .map((name) => {
        const pending = events.inbox(name).filter(({ event, notification }) => awaitsAnswer(event, notification)).length;
        return `<li><a href="/inbox/${escapeHtml(encodeURIComponent(name))}">${escapeHtml(name)}</a>` +
          ` <span class="meta">${pending} waiting for an answer</span></li>`;
      })
      .join('\n');
    res.type('html').send(
      layout(
        'Inbox',
        `<h1>Responder inbox</h1>
<p class="lede">Open a person's inbox to answer their notifications as they would on their device.</p>
<form class="find" method="get" action="/inbox">
<input id="person" name="person" aria-label="User ID" placeholder="User ID, e.g. bsmith" required>
<button type="submit">Open inbox</button>
</form>
${items ? `<ul class="people">${items}</ul>` : '<p class="empty">Nobody has been notified yet.</p>'}`,
      ),
    );
  });

  router.get('/:targetName', (req, res) => {
    renderInbox(res, directory, events, req.params.targetName, 200, answeredNotice(req.query.answered));
  });

  router.post('/:targetName/events/:eventIdentifier', express.urlencoded({ extended: false, limit: '16kb' }), (req, res) => {
    const { targetName } = req.params;
    const body = (req.body ?? {}) as Record<string, unknown>;
    const response = typeof body.response === 'string' ? body.response : '';
    const comment = typeof body.comment === 'string' ? body.comment.slice(0, 2000) : '';
    const eventIdentifier = Number(req.params.eventIdentifier);
    try {
      events.respond(eventIdentifier, targetName, response, comment);
    } catch (error) {
      if (!(error instanceof RespondError)) throw error;
      renderInbox(res, directory, events, targetName, error.status, { error: true, text: error.message });
      return;
    }
    res.redirect(303, `/inbox/${encodeURIComponent(targetName)}?answered=${eventIdentifier}#event-${eventIdentifier}`);
  });

  return router;
}

function answeredNotice(answered: unknown): { error: boolean; text: string } | undefined {
  return typeof answered === 'string' && /^\d+$/.test(answered)
    ? { error: false, text: `Your response to event ${answered} was sent.` }
    : undefined;
}

function awaitsAnswer(event: SimEvent, n: SimNotification): boolean {
  return event.status === 'active' && n.deliveryStatus === 'Delivered' && n.response === null;
}

function renderInbox(
  res: Response,
  directory: Directory,
  events: EventStore,
  targetName: string,
  status: number,
  notice: { error: boolean; text: string } | undefined,
): void {
  const person = directory.person(targetName);
  if (!person) {
    res.status(404).type('html').send(
      layout('Not found', `<h1>No such user</h1><p class="lede">There is no xMatters user "${escapeHtml(targetName)}".</p>
<p><a href="/inbox">Back to the inbox list</a></p>`),
    );
    return;
  }
  const items = events.inbox(person.targetName);
  const cards = items.map(({ event, notification }) => card(person.targetName, event, notification)).join('\n');
  res.status(status).type('html').send(
    layout(
      `${person.firstName} ${person.lastName}`,
      `<h1>${escapeHtml(`${person.firstName} ${person.lastName}`)}</h1>
<p class="lede">Notifications for ${escapeHtml(person.targetName)} · <a href="/inbox/${escapeHtml(encodeURIComponent(person.targetName))}">Refresh</a></p>
${notice ? `<p class="notice${notice.error ? ' error' : ''}" role="status">${escapeHtml(notice.text)}</p>` : ''}
${cards || '<p class="empty">No notifications yet.</p>'}`,
    ),
  );
}

function card(targetName: string, event: SimEvent, n: SimNotification): string {
  const id = event.eventIdentifier;
  const properties = Object.entries(event.properties)
    .map(([name, value]) => `<dt>${escapeHtml(name)}</dt><dd>${escapeHtml(value)}</dd>`)
    .join('');
  const meta = [`Event ${id}`, event.created.replace('T', ' ').replace(/\.\d+Z$/, ' UTC'), n.via ? `via ${n.via}` : null, n.device]
    .filter(Boolean)
    .map((part) => escapeHtml(part))
    .join(' · ');
  let footer: string;
  if (n.deliveryStatus !== 'Delivered') {
    footer = '<p class="state failed">Not delivered: this user has no devices.</p>';
  } else if (n.response) {
    footer = `<p class="state ${escapeHtml(n.response)}">You responded ${escapeHtml(n.response)}${n.comment ? `: “${escapeHtml(n.comment)}”` : ''}</p>`;
  } else if (event.status !== 'active') {
    footer = '<p class="state">This event has ended.</p>';
  } else {
    const buttons = RESPONSE_OPTIONS.map(
      (option) => `<button type="submit" name="response" value="${escapeHtml(option)}" class="${escapeHtml(option.toLowerCase())}">${escapeHtml(option)}</button>`,
    ).join('');
    footer = `<form method="post" action="/inbox/${escapeHtml(encodeURIComponent(targetName))}/events/${id}">
<label for="comment-${id}">Comment (optional)</label>
<textarea id="comment-${id}" name="comment" rows="2" maxlength="2000"></textarea>
<div class="actions">${buttons}</div>
</form>`;
  }
  return `<article class="notification" id="event-${id}">
<header><h2>Invite to room</h2><span class="badge ${escapeHtml(event.priority)}">${escapeHtml(event.priority)}</span><span class="meta">${meta}</span></header>
${properties ? `<dl class="properties">${properties}</dl>` : ''}
${footer}
</article>`;
}
