import cluster from 'node:cluster';
import { loadConfig } from '../api/config';
import { runEntryPoint } from '../shared/entry-point';
import { createLogger } from '../shared/logger';
import { startService } from '../api/server';
import { runWorkers } from '../api/workers';

/** WEB_CONCURRENCY, or 1 when the configuration is invalid (the single process then reports why). */
function webConcurrency(): number {
  try {
    return loadConfig().webConcurrency;
  } catch {
    return 1;
  }
}

const workers = cluster.isPrimary ? webConcurrency() : 1;
if (workers > 1) {
  const config = loadConfig();
  runWorkers(workers, createLogger(config.logLevel));
} else {
  runEntryPoint({
    service: 'book-service',
    load: () => loadConfig(),
    start: startService,
    started: ({ port }, logger) => logger.info({ port }, `listening on port ${port}; API docs at /docs`),
  });
}
