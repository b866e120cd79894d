import express, { Router, type Response } from 'express';
import { RespondError, recipientName, type EventStore, type SimEvent } from './events';
import { escapeHtml, layout, when } from './html';
import type { XMattersSim } from './server';

// Events as the Tracking Report shows them: the list, and per event its properties, who was
// notified and how they answered, the timeline of everything that happened, and its comments,
// where the admin can add one or terminate the event.

const ADMIN = 'admin';

export function eventPagesRouter(sim: () => XMattersSim, events: EventStore): Router {
  const router = Router();
  const form = express.urlencoded({ extended: false, limit: '16kb' });

  router.get('/events', (_req, res) => {
    const rows = [...events.events]
      .reverse()
      .map((e) => {
        const answered = e.notifications.filter((n) => n.response !== null).length;
        return `<tr><td class="num"><a href="/events/${e.eventIdentifier}">${e.eventIdentifier}</a></td><td>${escapeHtml(e.name)}</td>
<td><span class="tag ${e.status}">${e.status}</span></td><td>${escapeHtml(when(e.created))}</td><td>${escapeHtml(e.recipients.map(recipientName).join(', '))}</td>
<td class="num">${e.notifications.length}</td><td class="num">${answered}</td><td class="num">${e.comments.length}</td></tr>`;
      })
      .join('\n');
    res.type('html').send(
      layout(
        'Events',
        `<h1>Events</h1>
<p class="lede">Every event, newest first. <a href="/events">Refresh</a></p>
<table class="grid"><thead><tr><th>Event</th><th>Form</th><th>Status</th><th>Created</th><th>Recipients</th><th>Notified</th><th>Answered</th><th>Comments</th></tr></thead>
<tbody>${rows || '<tr><td colspan="8" class="empty">No events yet.</td></tr>'}</tbody></table>`,
        'events',
        true,
      ),
    );
  });

  router.get('/events/:key', (req, res) => {
    const event = events.find(req.params.key);
    if (!event) return missing(res, req.params.key);
    res.type('html').send(eventPage(event, null));
  });

  router.post('/events/:key/comments', form, (req, res) => {
    const event = events.find(req.params.key);
    if (!event) return missing(res, req.params.key);
    const text = (req.body as Record<string, unknown> | undefined)?.comment;
    try {
      events.comment(event.id, sim().directory.person(ADMIN)!, typeof text === 'string' ? text : '');
    } catch (error) {
      if (!(error instanceof RespondError)) throw error;
      res.status(error.status).type('html').send(eventPage(event, { error: true, text: error.message }));
      return;
    }
    res.redirect(303, `/events/${event.eventIdentifier}#comments`);
  });

  router.post('/events/:key/terminate', (req, res) => {
    const event = events.find(req.params.key);
    if (!event) return missing(res, req.params.key);
    events.terminate(event, `terminated by ${ADMIN} on the event page`);
    res.redirect(303, `/events/${event.eventIdentifier}`);
  });

  return router;
}

function missing(res: Response, key: string): void {
  res.status(404).type('html').send(layout('Not found', `<h1>No such event</h1><p class="lede">There is no event "${escapeHtml(key)}".</p><p><a href="/events">All events</a></p>`, 'events'));
}

function eventPage(event: SimEvent, notice: { error: boolean; text: string } | null): string {
  const properties = Object.entries(event.properties).map(([name, value]) => `<dt>${escapeHtml(name)}</dt><dd>${escapeHtml(value)}</dd>`).join('');
  const notified = event.notifications
    .map(
      (n) => `<tr><td>${escapeHtml(n.displayName)} <span class="meta">${escapeHtml(n.targetName)}</span></td><td>${escapeHtml(n.via ?? 'directly')}</td>
<td>${escapeHtml(n.device ?? '—')}</td><td>${escapeHtml(n.deliveryStatus)}</td><td>${escapeHtml(when(n.notifiedAt))}</td>
<td>${n.responses.map((r) => `${escapeHtml(r.response)}${r.comment ? ` “${escapeHtml(r.comment)}”` : ''} <span class="meta">${escapeHtml(when(r.at))}</span>`).join('<br>') || '—'}</td></tr>`,
    )
    .join('');
  const timeline = event.timeline.map((t) => `<li class="${t.kind}"><span class="meta">${escapeHtml(when(t.at))}</span> ${escapeHtml(t.text)}</li>`).join('');
  const comments = event.comments
    .map((c) => `<li><strong>${escapeHtml(c.author)}</strong> <span class="meta">${escapeHtml(when(c.created))}</span><br>${escapeHtml(c.comment)}</li>`)
    .join('');
  return layout(
    `Event ${event.eventIdentifier}`,
    `<p class="meta"><a href="/events">Events</a> › ${event.eventIdentifier}</p>
<h1>${escapeHtml(event.name)} <span class="tag ${event.status}">${event.status}</span></h1>
<p class="lede">Event ${event.eventIdentifier} · ${escapeHtml(event.id)} · created ${escapeHtml(when(event.created))} by ${escapeHtml(event.submitter)} · ${escapeHtml(event.priority)} · ${
      event.terminated ? `terminated ${escapeHtml(when(event.terminated))}` : `expires ${event.expirationInMinutes} minutes after it was created`
    } · <a href="/events/${event.eventIdentifier}">Refresh</a></p>
${notice ? `<p class="notice${notice.error ? ' error' : ''}" role="alert">${escapeHtml(notice.text)}</p>` : ''}
${properties ? `<dl class="properties card">${properties}</dl>` : ''}
<h2 class="section">Recipients</h2>
<p>${escapeHtml(event.recipients.map(recipientName).join(', '))}${event.unresolved.length ? ` <span class="meta">(not found: ${escapeHtml(event.unresolved.map(recipientName).join(', '))})</span>` : ''}</p>
<table class="grid"><thead><tr><th>Person</th><th>Reached</th><th>Device</th><th>Delivery</th><th>Notified</th><th>Responses</th></tr></thead><tbody>${notified || '<tr><td colspan="6" class="empty">Nobody notified</td></tr>'}</tbody></table>
<h2 class="section">Timeline</h2>
<ol class="timeline">${timeline}</ol>
<h2 class="section" id="comments">Comments</h2>
${comments ? `<ul class="people">${comments}</ul>` : '<p class="empty">No comments.</p>'}
<form method="post" action="/events/${event.eventIdentifier}/comments" class="card">
<label for="comment">Add a comment as ${ADMIN}</label>
<textarea id="comment" name="comment" rows="2" maxlength="2000" required></textarea>
<div class="actions"><button type="submit" class="plain">Add Comment</button></div>
</form>
${event.status === 'ACTIVE' ? `<form method="post" action="/events/${event.eventIdentifier}/terminate"><div class="actions"><button type="submit" class="negative">Terminate event</button></div></form>` : ''}`,
    'events',
    true,
  );
}
