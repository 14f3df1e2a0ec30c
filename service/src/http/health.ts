import Router from '@koa/router';
import { Sequelize } from 'sequelize';
import { HttpMetrics } from './metrics';

export interface Lifecycle {
  draining: boolean;
}

/** Liveness, readiness (database reachable and not draining) and the metrics endpoint. */
export function healthRoutes(sequelize: Sequelize, lifecycle: Lifecycle, metrics: HttpMetrics): Router {
  const router = new Router();
  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    if (lifecycle.draining) {
      ctx.status = 503;
      ctx.body = { status: 'draining' };
      return;
    }
    try {
      await sequelize.query('SELECT 1');
      ctx.body = { status: 'ready' };
    } catch {
      ctx.status = 503;
      ctx.body = { status: 'database unavailable' };
    }
  });
  router.get('/metrics', async (ctx) => {
    ctx.type = metrics.registry.contentType;
    ctx.body = await metrics.registry.metrics();
  });
  return router;
}
