import { ConfigError, Env, LOG_LEVELS, postgresUrl, Reader } from '../shared/config';
import { DatabaseTls, parseDatabaseTarget } from '../shared/db/ssl';

/** The reference consumer's configuration (node dist/bin/book-catalog.js), validated once at start. */
export interface ConsumerConfig {
  /** The read model's own database, without TLS parameters: those are in databaseTls. */
  databaseUrl: string;
  databaseTls: DatabaseTls;
  dbPoolMax: number;
  brokers: string[];
  topic: string;
  deadLetterTopic: string;
  groupId: string;
  /** HTTP port of /healthz, /readyz and /metrics. */
  port: number;
  logLevel: (typeof LOG_LEVELS)[number];
  /** Attempts at applying an event that fails for a reason other than the database being unavailable. */
  maxAttempts: number;
  /** Longest pause between two retries (the backoff doubles from 100 ms up to this). */
  retryMaxMs: number;
}

const HOST_PORT = /^[A-Za-z0-9.-]+:\d{1,5}$/;

export function loadConsumerConfig(env: Env = process.env): ConsumerConfig {
  const read = new Reader(env);
  const url = env.CATALOG_DATABASE_URL ? postgresUrl('CATALOG_DATABASE_URL', env.CATALOG_DATABASE_URL, read.problems) : '';
  if (!env.CATALOG_DATABASE_URL) read.problems.push('CATALOG_DATABASE_URL is required (the read model database, e.g. postgres://book_catalog:…@host:5432/catalog)');
  const { target, problems } = parseDatabaseTarget(url, env, 'CATALOG_DATABASE_URL');
  if (url) read.problems.push(...problems);
  const brokers = read.text('KAFKA_BOOTSTRAP_SERVERS').split(',').map((b) => b.trim()).filter(Boolean);
  if (env.KAFKA_BOOTSTRAP_SERVERS && !brokers.every((b) => HOST_PORT.test(b))) {
    read.problems.push(`KAFKA_BOOTSTRAP_SERVERS must be a comma-separated list of host:port (got "${env.KAFKA_BOOTSTRAP_SERVERS}")`);
  }
  const config: ConsumerConfig = {
    databaseUrl: target.url,
    databaseTls: target.tls,
    dbPoolMax: read.int('DB_POOL_MAX', 4, 1, 100),
    brokers,
    topic: read.text('KAFKA_TOPIC', 'books.events'),
    deadLetterTopic: read.text('KAFKA_DLQ_TOPIC', 'books.events.dlq'),
    groupId: read.text('KAFKA_GROUP_ID', 'book-catalog'),
    port: read.int('PORT', 8001, 0, 65535),
    logLevel: read.oneOf('LOG_LEVEL', 'info', LOG_LEVELS),
    maxAttempts: read.int('CONSUMER_MAX_ATTEMPTS', 5, 1, 100),
    retryMaxMs: read.int('CONSUMER_RETRY_MAX_SECONDS', 10, 1, 600) * 1000,
  };
  if (config.topic === config.deadLetterTopic) read.problems.push('KAFKA_DLQ_TOPIC must differ from KAFKA_TOPIC');
  if (read.problems.length > 0) throw new ConfigError(read.problems);
  return config;
}
