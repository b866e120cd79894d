import { Router } from 'express';
import type { Registry } from 'prom-client';
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
