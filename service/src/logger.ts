import pino, { Logger } from 'pino';

export type { Logger };

export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'book-service' },
    timestamp: pino.stdTimeFunctions.isoTime,
    // Connection strings and credentials must never reach the logs.
    redact: ['databaseUrl', '*.databaseUrl', 'password', '*.password', 'req.headers.authorization'],
  });
}
