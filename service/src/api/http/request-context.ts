import { randomUUID } from 'node:crypto';
import Koa, { Middleware } from 'koa';
import { Logger } from '../../shared/logger';
import { HttpMetrics } from './metrics';

const SAFE_REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

declare module 'koa' {
  interface DefaultContext {
    log: Logger;
    requestId: string;
  }
}

const CHILD = Symbol('request logger');

/** Request id (taken from X-Request-Id when sane), a child logger, an access log line (debug) and RED metrics. */
export function requestContext(app: Koa, logger: Logger, metrics: HttpMetrics): Middleware {
  // ctx.log, defined once on the prototype of every context: the child logger is made only
  // when something logs through it (errors, mostly).
  Object.defineProperty(app.context, 'log', {
    configurable: true,
    get(this: Koa.Context & { [CHILD]?: Logger }) {
      return (this[CHILD] ??= logger.child({ requestId: this.requestId }));
    },
  });
  return async (ctx, next) => {
    const started = process.hrtime.bigint();
    const incoming = ctx.get('X-Request-Id');
    ctx.requestId = SAFE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
    ctx.set('X-Request-Id', ctx.requestId);
    try {
      await next();
    } finally {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      // The matched route pattern, never the raw URL, keeps label cardinality bounded.
      const route = (ctx as { _matchedRoute?: string })._matchedRoute ?? 'unmatched';
      metrics.observe(ctx.method, String(route), ctx.status, seconds);
      // As in podinfo, one line per request at debug; failures are logged at warn/error by errorHandler.
      if (logger.isLevelEnabled('debug')) {
        logger.debug(
          { requestId: ctx.requestId, method: ctx.method, path: ctx.path, route, status: ctx.status, ms: Math.round(seconds * 1e4) / 10 },
          'request',
        );
      }
    }
  };
}
