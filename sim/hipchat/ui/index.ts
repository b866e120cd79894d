import { fileURLToPath } from 'node:url';
import express, { Router, type RequestHandler } from 'express';
import type { Installer } from '../installations';
import type { UiDeps } from './deps';
import { accountRouter } from './account';
import { authorizeRouter } from './authorize';
import { byoRouter } from './byo';
import { glanceModules } from '../glances';
import { contentSecurityPolicy } from './csp';
import { dialogsRouter } from './dialogs';
import { uiErrorHandler } from './errors';
import { integrationsRouter } from './integrations';
import { roomsRouter } from './rooms';
import { safeUrl } from './sanitize';
import { sameOriginOnly, Sessions } from './session';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/** The HipChat web client of the simulator, and the Connect JavaScript API it serves to add-on pages. */
export function chatUi(sim: Omit<UiDeps, 'sessions'>): Router {
  const deps: UiDeps = { ...sim, sessions: new Sessions() };
  const router = Router();
  router.use('/atlassian-connect', connectAssets());
  router.use('/chat/static', express.static(here('./public'), { index: false, maxAge: 0 }));
  router.use(securityHeaders(deps.installer), sameOriginOnly);
  router.use(roomsRouter(deps), dialogsRouter(deps), integrationsRouter(deps), byoRouter(deps), accountRouter(deps), authorizeRouter(deps));
  router.use(uiErrorHandler);
  return router;
}

/**
 * `all.js` and `all.css` for add-on pages on other origins (docs §6): readable cross-origin (CORS, and
 * CORP for pages that require it). `all-debug.js` is the name ACEH/ACNH use on HipChat Server.
 */
function connectAssets(): Router {
  const router = Router();
  router.use((_req, res, next) => {
    res.set({ 'Access-Control-Allow-Origin': '*', 'Cross-Origin-Resource-Policy': 'cross-origin', 'X-Content-Type-Options': 'nosniff' });
    next();
  });
  router.get('/all-debug.js', (_req, res) => res.sendFile(here('./connect/all.js'), { maxAge: 0 }));
  router.use(express.static(here('./connect'), { index: false, maxAge: 0 }));
  return router;
}

/** No inline scripts or styles; frames only from the origins of installed add-ons' pages. */
function securityHeaders(installer: Installer): RequestHandler {
  return (_req, res, next) => {
    res.set({
      'Content-Security-Policy': contentSecurityPolicy(addonOrigins(installer), [], glanceQueryOrigins(installer)),
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'strict-origin-when-cross-origin',
    });
    next();
  };
}

/** Origins of the dialog, external page and configure URLs of everything installed. */
function addonOrigins(installer: Installer): string[] {
  const origins = new Set<string>();
  for (const { descriptor } of installer.installations.values()) {
    const capabilities = descriptor.capabilities ?? {};
    const urls = [
      capabilities.configurable?.url,
      ...[capabilities.dialog, capabilities.externalPage, capabilities.webPanel].flatMap((list) => (Array.isArray(list) ? list : []).map((m) => (m as { url?: unknown }).url)),
    ];
    for (const url of urls) {
      const safe = typeof url === 'string' ? safeUrl(url) : undefined;
      if (safe) origins.add(new URL(safe).origin);
    }
  }
  return [...origins];
}

/** Origins of glance `queryUrl`s: the room page fetches them cross-origin, as HipChat's client did (docs §5). */
function glanceQueryOrigins(installer: Installer): string[] {
  const origins = new Set<string>();
  for (const { descriptor } of installer.installations.values()) {
    for (const glance of glanceModules(descriptor)) {
      const safe = glance.queryUrl === undefined ? undefined : safeUrl(glance.queryUrl);
      if (safe) origins.add(new URL(safe).origin);
    }
  }
  return [...origins];
}
