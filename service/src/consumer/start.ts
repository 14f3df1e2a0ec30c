import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import Koa from 'koa';
import { createSequelize } from '../shared/db/sequelize';
import { databaseReachable, healthRoutes } from '../shared/http/health';
import { Logger } from '../shared/logger';
import { CatalogConsumer } from './catalog-consumer';
import { ConsumerConfig } from './config';

export interface RunningConsumer {
  port: number;
  /** Readiness 503 → finish the transaction under way, commit, leave the group → close the server and the pool. */
  shutdown(): Promise<void>;
}

export async function startCatalogConsumer(config: ConsumerConfig, logger: Logger): Promise<RunningConsumer> {
  const sequelize = createSequelize({ url: config.databaseUrl, tls: config.databaseTls, poolMax: config.dbPoolMax, applicationName: 'book-catalog' });
  const consumer = new CatalogConsumer(config, sequelize, logger, (error) => {
    logger.fatal({ err: error }, 'the consumer could not be started again for 5 minutes; exiting');
    process.exit(1);
  });
  const app = new Koa();
  app.silent = true;
  const readiness = async () => {
    if (!consumer.consuming) return 'not consuming (starting, rebalancing or stopping)';
    return (await databaseReachable(sequelize)) ? undefined : 'database unavailable';
  };
  app.use(healthRoutes(readiness, consumer.metrics.registry).routes());
  const server = createServer(app.callback());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, () => resolve());
  });
  try {
    await consumer.start();
  } catch (error) {
    server.close();
    await sequelize.close();
    throw error;
  }

  let closing: Promise<void> | undefined;
  const shutdown = () =>
    (closing ??= (async () => {
      await consumer.stop();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      await sequelize.close();
      logger.info('stopped');
    })());
  return { port: (server.address() as AddressInfo).port, shutdown };
}
