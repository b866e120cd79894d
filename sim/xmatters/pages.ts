import { Router } from 'express';
import { developerRouter } from './developer-pages';
import { eventPagesRouter } from './event-pages';
import type { EventStore } from './events';
import { COPY_JS, PAGE_CSP, escapeHtml, layout } from './html';
import type { XMattersSim } from './server';

// The simulator's web pages besides the inbox: the home page, the Developer tab and the events.

export function pagesRouter(sim: () => XMattersSim, events: EventStore): Router {
  const router = Router();
  router.use((_req, res, next) => {
    res.setHeader('Content-Security-Policy', PAGE_CSP);
    next();
  });

  router.get('/assets/copy.js', (_req, res) => {
    res.type('text/javascript').send(COPY_JS);
  });

  router.get('/', (_req, res) => {
    const s = sim();
    const active = events.events.filter((e) => e.status === 'ACTIVE').length;
    res.type('html').send(
      layout(
        'Home',
        `<h1>xMatters</h1>
<p class="lede">A simulated xMatters instance at <code>${escapeHtml(s.hostname)}</code>.</p>
<ul class="people">
<li><a href="/developer">Developer</a> <span class="meta">${s.plans.plans.length} communication plans: Import Plan, integrations, endpoints, Activity Streams</span></li>
<li><a href="/events">Events</a> <span class="meta">${events.events.length} events, ${active} active</span></li>
<li><a href="/inbox">Inbox</a> <span class="meta">answer notifications as a responder</span></li>
</ul>
<p class="meta">REST API user: <code>${escapeHtml(s.credentials.username)}</code> · admin for these pages: <code>admin</code></p>`,
        'developer',
      ),
    );
  });

  router.use(developerRouter(sim));
  router.use(eventPagesRouter(sim, events));
  return router;
}
