import Koa from 'koa';
import Router from '@koa/router';
import { Sequelize } from 'sequelize';
import { BookStore } from '../books/book-store';
import { Logger } from '../../shared/logger';
import { appVersion } from '../../shared/version';
import { bookRoutes } from './books-routes';
import { docsRoutes } from './docs';
import { errorHandler } from './error-handler';
import { healthRoutes, Lifecycle, serviceReadiness } from '../../shared/http/health';
import { createMetrics } from './metrics';
import { openApiDocument } from './openapi';
import { requestContext } from './request-context';

export interface AppDependencies {
  sequelize: Sequelize;
  store: BookStore;
  logger: Logger;
  lifecycle: Lifecycle;
  slot: string;
  /** Published in /openapi.json; package.json's by default. */
  version?: string;
}

export function createApp({ sequelize, store, logger, lifecycle, slot, version = appVersion() }: AppDependencies): Koa {
  const app = new Koa();
  app.proxy = true;
  // Errors are answered and logged by errorHandler; Koa's default handler would print them again.
  app.silent = true;
  const metrics = createMetrics(sequelize, slot);

  const root = new Router();
  for (const router of [bookRoutes(store), healthRoutes(serviceReadiness(sequelize, lifecycle), metrics.registry), docsRoutes(openApiDocument(version))]) root.use(router.routes());
  app.use(requestContext(app, logger, metrics));
  app.use(errorHandler());
  app.use(root.routes());
  // Sets 405 + Allow; errorHandler turns the empty 405 into a problem document.
  app.use(root.allowedMethods());
  return app;
}
