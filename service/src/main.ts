import { loadConfig } from './config';
import { runEntryPoint } from './entry-point';
import { startService } from './server';

runEntryPoint({
  service: 'book-service',
  load: () => loadConfig(),
  start: startService,
  started: ({ port }, logger) => logger.info({ port }, `listening on port ${port}; API docs at /docs`),
});
