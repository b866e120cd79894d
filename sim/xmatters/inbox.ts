import express, { Router, type Response } from 'express';
import type { Directory } from './directory';
import { RespondError, type EventStore, type SimEvent, type SimNotification } from './events';
import { INBOX_CSS, PAGE_CSP, escapeHtml, layout, when } from './html';
import type { PlanStore } from './plan-store';

// The responder's side: a person's notifications with the form's response options and a comment,
// as plain server-rendered pages and form posts. A person may answer again while the event is
// active (E17), and may comment on the event without answering. Each sends its webhooks.

export function inboxRouter(directory: Directory, events: EventStore, plans: PlanStore): Router {
  const router = Router();
  router.use((_req, res, next) => {
    res.setHeader('Content-Security-Policy', PAGE_CSP);
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
    renderInbox(res, directory, events, plans, req.params.targetName, 200, noticeOf(req.query));
  });

  const form = express.urlencoded({ extended: false, limit: '16kb' });
  router.post('/:targetName/events/:eventIdentifier', form, (req, res) => {
    const { targetName } = req.params;
    const body = (req.body ?? {}) as Record<string, unknown>;
    const response = typeof body.response === 'string' ? body.response : '';
    const comment = typeof body.comment === 'string' ? body.comment.slice(0, 2000) : '';
    const eventIdentifier = Number(req.params.eventIdentifier);
    try {
      events.respond(eventIdentifier, targetName, response, comment);
    } catch (error) {
      if (!(error instanceof RespondError)) throw error;
      renderInbox(res, directory, events, plans, targetName, error.status, { error: true, text: error.message });
      return;
    }
    res.redirect(303, `/inbox/${encodeURIComponent(targetName)}?answered=${eventIdentifier}#event-${eventIdentifier}`);
  });

  router.post('/:targetName/events/:eventIdentifier/comments', form, (req, res) => {
    const { targetName } = req.params;
    const person = directory.person(targetName);
    const eventIdentifier = Number(req.params.eventIdentifier);
    const event = events.find(eventIdentifier);
    const text = typeof (req.body as Record<string, unknown>)?.comment === 'string' ? ((req.body as Record<string, string>).comment ?? '') : '';
    try {
      if (!person || !event || !event.notifications.some((n) => n.targetName === targetName)) {
        throw new RespondError(404, `${targetName} was not notified of event ${eventIdentifier}.`);
      }
      events.comment(eventIdentifier, person, text);
    } catch (error) {
      if (!(error instanceof RespondError)) throw error;
      renderInbox(res, directory, events, plans, targetName, error.status, { error: true, text: error.message });
      return;
    }
    res.redirect(303, `/inbox/${encodeURIComponent(targetName)}?commented=${eventIdentifier}#event-${eventIdentifier}`);
  });

  return router;
}

function noticeOf(query: Record<string, unknown>): { error: boolean; text: string } | undefined {
  const answered = query.answered;
  const commented = query.commented;
  if (typeof answered === 'string' && /^\d+$/.test(answered)) return { error: false, text: `Your response to event ${answered} was sent.` };
  if (typeof commented === 'string' && /^\d+$/.test(commented)) return { error: false, text: `Your comment on event ${commented} was added.` };
  return undefined;
}

function awaitsAnswer(event: SimEvent, n: SimNotification): boolean {
  return event.status === 'ACTIVE' && n.deliveryStatus === 'Delivered' && n.response === null;
}

function renderInbox(
  res: Response,
  directory: Directory,
  events: EventStore,
  plans: PlanStore,
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
  const cards = events
    .inbox(person.targetName)
    .map(({ event, notification }) => card(person.targetName, event, notification, plans))
    .join('\n');
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

function card(targetName: string, event: SimEvent, n: SimNotification, plans: PlanStore): string {
  const id = event.eventIdentifier;
  const options = plans.form(event.formId)?.form.responses ?? [];
  const contribution = (text: string | null) => options.find((o) => o.text === text)?.contribution ?? 'NEUTRAL';
  const properties = Object.entries(event.properties)
    .map(([name, value]) => `<dt>${escapeHtml(name)}</dt><dd>${escapeHtml(value)}</dd>`)
    .join('');
  const meta = [`Event ${id}`, when(event.created), n.via ? `via ${n.via}` : null, n.device]
    .filter(Boolean)
    .map((part) => escapeHtml(part))
    .join(' · ');
  const action = `/inbox/${escapeHtml(encodeURIComponent(targetName))}/events/${id}`;
  const answered = n.response
    ? `<p class="state ${contribution(n.response)}">You responded ${escapeHtml(n.response)}${n.comment ? `: “${escapeHtml(n.comment)}”` : ''}</p>`
    : '';
  let footer: string;
  if (n.deliveryStatus !== 'Delivered') {
    footer = '<p class="state failed">Not delivered: this user has no devices.</p>';
  } else if (event.status !== 'ACTIVE') {
    footer = `${answered}<p class="state">This event has ended.</p>`;
  } else {
    const buttons = options
      .map((o) => `<button type="submit" name="response" value="${escapeHtml(o.text)}" class="${o.contribution.toLowerCase()}" title="${escapeHtml(o.description)}">${escapeHtml(o.text)}</button>`)
      .join('');
    footer = `${answered}
<form method="post" action="${action}">
<label for="comment-${id}">${n.response ? 'Change your response, with a comment (optional)' : 'Comment (optional)'}</label>
<textarea id="comment-${id}" name="comment" rows="2" maxlength="2000"></textarea>
<div class="actions">${buttons}</div>
</form>
<form method="post" action="${action}/comments" class="comment-only">
<label for="event-comment-${id}">Comment on the event without responding</label>
<textarea id="event-comment-${id}" name="comment" rows="1" maxlength="2000" required></textarea>
<div class="actions"><button type="submit" class="plain">Add comment</button></div>
</form>`;
  }
  return `<article class="notification" id="event-${id}">
<header><h2>${escapeHtml(event.name)}</h2><span class="badge ${escapeHtml(event.priority)}">${escapeHtml(event.priority)}</span><span class="meta">${meta}</span></header>
${properties ? `<dl class="properties">${properties}</dl>` : ''}
${footer}
</article>`;
}
