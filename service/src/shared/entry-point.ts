import { ConfigError } from './config';
import { createLogger, Logger } from './logger';

export interface EntryPoint<C, R> {
  /** The `service` field of every log line. */
  service: string;
  /** Reads and validates the configuration; a ConfigError exits with code 2 and its message. */
  load(): C;
  start(config: C, logger: Logger): Promise<R>;
  started(running: R, logger: Logger): void;
}

/**
 * A long-running process (the service, the consumer): configuration, JSON logs, start,
 * then a graceful shutdown on the first SIGTERM/SIGINT and an immediate exit on a second.
 */
export function runEntryPoint<C extends { logLevel: string }, R extends { shutdown(): Promise<void> }>(entry: EntryPoint<C, R>): void {
  const main = async () => {
    let config: C;
    try {
      config = entry.load();
    } catch (error) {
      if (error instanceof ConfigError) {
        console.error(error.message);
        process.exit(2);
      }
      throw error;
    }
    const logger = createLogger(config.logLevel, entry.service);
    const running = await entry.start(config, logger);
    entry.started(running, logger);

    let signals = 0;
    const stop = (signal: NodeJS.Signals) => {
      if (++signals > 1) {
        logger.warn({ signal }, 'second signal: exiting now');
        process.exit(1);
      }
      logger.info({ signal }, 'shutting down');
      running.shutdown().then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  };
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
