import { Router } from 'express';
import { Counter, type Registry } from 'prom-client';
import type { Db } from '../lib/store/db';

/** Liveness, readiness and Prometheus metrics. */
export function opsRoutes(deps: { db: Db; registry: Registry }): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (req, res) => {
    try {
      await deps.db.raw('select 1');
      res.json({ status: 'ready' });
    } catch (err) {
      req.log.error({ err }, 'database not reachable');
      res.status(503).json({ status: 'unavailable', reason: 'database not reachable' });
    }
  });
  router.get('/metrics', async (_req, res) => {
    res.type(deps.registry.contentType).send(await deps.registry.metrics());
  });
  return router;
}

/**
 * `http_requests_total{method, route, status}`, counted once per answered request. Each label set's
 * child is made once and kept (routes and statuses are few), so counting costs no label hashing.
 */
export function requestCounter(registry: Registry): (method: string, route: string, status: number) => void {
  const counter = new Counter({ name: 'http_requests_total', help: 'HTTP requests by route and status', labelNames: ['method', 'route', 'status'], registers: [registry] });
  const children = new Map<string, { inc(): void }>();
  return (method, route, status) => {
    const key = `${method} ${status} ${route}`;
    let child = children.get(key);
    if (!child) children.set(key, (child = counter.labels(method, route, String(status))));
    child.inc();
  };
}

/**
 * `outbox_jobs_total{kind, outcome}`: the delivery queue's runs in this process, by how they ended
 * (done, failed, waits — retried or deferred —, lost — its lease was taken over).
 */
export function jobCounter(registry: Registry): (kind: string, outcome: string) => void {
  const counter = new Counter({ name: 'outbox_jobs_total', help: 'Delivery jobs run by this process, by kind and outcome', labelNames: ['kind', 'outcome'], registers: [registry] });
  const children = new Map<string, { inc(): void }>();
  return (kind, outcome) => {
    const key = `${kind} ${outcome}`;
    let child = children.get(key);
    if (!child) children.set(key, (child = counter.labels(kind, outcome)));
    child.inc();
  };
}
