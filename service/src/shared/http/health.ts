import Router from '@koa/router';
import { Registry } from 'prom-client';
import { Sequelize } from 'sequelize';

export interface Lifecycle {
  draining: boolean;
}

/** Why the process is not ready (the body of the 503), or undefined when it is. */
export type Readiness = () => Promise<string | undefined>;

/** The service's readiness: the database reachable and not draining. */
export function serviceReadiness(sequelize: Sequelize, lifecycle: Lifecycle): Readiness {
  return async () => {
    if (lifecycle.draining) return 'draining';
    return (await databaseReachable(sequelize)) ? undefined : 'database unavailable';
  };
}

/**
 * How long readiness waits for `SELECT 1`: under the probes' 2 s timeout. A pooled connection to a
 * PostgreSQL pod that is gone (its address blackholed, as on kind) gets no answer and no reset, so
 * the query would hang for minutes; unanswered in time counts as unavailable.
 */
export const READINESS_QUERY_TIMEOUT_MS = 1_500;

export async function databaseReachable(sequelize: Sequelize, timeoutMs = READINESS_QUERY_TIMEOUT_MS): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const unanswered = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([sequelize.query('SELECT 1').then(() => true, () => false), unanswered]);
  } finally {
    clearTimeout(timer);
  }
}

/** Liveness, readiness and the metrics endpoint: the operational surface of the service and of the consumer. */
export function healthRoutes(readiness: Readiness, registry: Registry): Router {
  const router = new Router();
  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    const reason = await readiness();
    if (reason !== undefined) ctx.status = 503;
    ctx.body = { status: reason ?? 'ready' };
  });
  router.get('/metrics', async (ctx) => {
    ctx.type = registry.contentType;
    ctx.body = await registry.metrics();
  });
  return router;
}
