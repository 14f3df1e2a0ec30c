import { startCatalogConsumer } from './catalog/start';
import { loadConsumerConfig } from './catalog/config';
import { runEntryPoint } from './entry-point';

/** `node dist/consumer.js`: the book-catalog consumer (see catalog/catalog-consumer.ts). */
runEntryPoint({
  service: 'book-catalog',
  load: () => loadConsumerConfig(),
  start: startCatalogConsumer,
  started: ({ port }, logger) => logger.info({ port }, `consuming; /healthz, /readyz and /metrics on port ${port}`),
});
