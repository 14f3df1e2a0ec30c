import { startCatalogConsumer } from '../consumer/start';
import { loadConsumerConfig } from '../consumer/config';
import { runEntryPoint } from '../shared/entry-point';

/** `node dist/bin/book-catalog.js`: the book-catalog consumer (see consumer/catalog-consumer.ts). */
runEntryPoint({
  service: 'book-catalog',
  load: () => loadConsumerConfig(),
  start: startCatalogConsumer,
  started: ({ port }, logger) => logger.info({ port }, `consuming; /healthz, /readyz and /metrics on port ${port}`),
});
