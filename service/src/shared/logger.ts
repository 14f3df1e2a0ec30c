import pino, { Logger } from 'pino';

export type { Logger };

/**
 * JSON logs on stdout. Writes are asynchronous so a busy service batches its lines
 * into few write calls instead of one per request; pino flushes them at exit.
 */
export function createLogger(level: string, service = 'book-service'): Logger {
  const destination = pino.destination({ dest: 1, sync: false });
  return pino({
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    // Connection strings and credentials must never reach the logs.
    redact: ['databaseUrl', '*.databaseUrl', 'password', '*.password', 'req.headers.authorization'],
  }, destination);
}
