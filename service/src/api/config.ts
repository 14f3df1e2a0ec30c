import type { KeyExpiry } from './books/idempotency';
import { DEFAULT_ROLES } from '../shared/db/roles';
import { DatabaseTls, parseDatabaseTarget } from '../shared/db/ssl';
import type { OutboxRetention } from './outbox/outbox';
import { ConfigError, Env, LOG_LEVELS, postgresUrl, Reader } from '../shared/config';

/** Service configuration from environment variables, validated once at start. */
export interface Config {
  /** Without TLS parameters: those are in databaseTls. */
  databaseUrl: string;
  /** sslmode and CA bundle, libpq semantics (shared/db/ssl.ts). */
  databaseTls: DatabaseTls;
  port: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  dbPoolMax: number;
  /** Service processes sharing the port (workers.ts); 1 in containers, where replicas scale. */
  webConcurrency: number;
  /** The outbox module's settings (outbox/outbox.ts, outbox/gauges.ts). */
  outbox: OutboxRetention & {
    publication: string;
    slot: string;
  };
  /** Idempotency-key expiry (books/idempotency.ts), on the same cleanup schedule as the outbox. */
  idempotency: KeyExpiry;
  shutdownDrainSeconds: number;
}

/** DATABASE_URL, or a URL assembled from the libpq PG* variables. */
function databaseUrl(env: Env, problems: string[]): string {
  if (env.DATABASE_URL) return postgresUrl('DATABASE_URL', env.DATABASE_URL, problems);
  const { PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE } = env;
  if (!PGHOST || !PGUSER || !PGDATABASE) {
    problems.push('DATABASE_URL is required (or PGHOST, PGUSER and PGDATABASE, with PGPASSWORD and PGPORT as needed)');
    return '';
  }
  const auth = encodeURIComponent(PGUSER) + (PGPASSWORD ? `:${encodeURIComponent(PGPASSWORD)}` : '');
  return `postgres://${auth}@${PGHOST}:${PGPORT || '5432'}/${encodeURIComponent(PGDATABASE)}`;
}

export function loadConfig(env: Env = process.env): Config {
  const read = new Reader(env);
  const config = readConfig(env, read);
  if (read.problems.length > 0) throw new ConfigError(read.problems);
  return config;
}

/** What `npm run migrate` needs besides the service's configuration. */
export interface MigrationConfig extends Config {
  /** Roles the migrations grant their privileges to, when they exist (see shared/db/roles.ts). */
  roles: { app: string; cdc: string };
}

/** The service's configuration plus DB_APP_ROLE and DB_CDC_ROLE, validated together. */
export function loadMigrationConfig(env: Env = process.env): MigrationConfig {
  const read = new Reader(env);
  const config = readConfig(env, read);
  const roles = { app: read.roleName('DB_APP_ROLE', DEFAULT_ROLES.app), cdc: read.roleName('DB_CDC_ROLE', DEFAULT_ROLES.cdc) };
  if (read.problems.length > 0) throw new ConfigError(read.problems);
  return { ...config, roles };
}

function readConfig(env: Env, read: Reader): Config {
  const url = databaseUrl(env, read.problems);
  const { target, problems: tlsProblems } = parseDatabaseTarget(url, env);
  read.problems.push(...tlsProblems);
  // OUTBOX_CLEANUP_*: one schedule for the outbox janitor and idempotency-key expiry.
  const cleanupIntervalSeconds = read.int('OUTBOX_CLEANUP_INTERVAL_SECONDS', 60, 1, 24 * 3600);
  const cleanupBatchSize = read.int('OUTBOX_CLEANUP_BATCH_SIZE', 1000, 1, 100_000);
  const config: Config = {
    databaseUrl: target.url,
    databaseTls: target.tls,
    port: read.int('PORT', 8000, 0, 65535),
    logLevel: read.oneOf('LOG_LEVEL', 'info', LOG_LEVELS),
    dbPoolMax: read.int('DB_POOL_MAX', 10, 1, 500),
    webConcurrency: read.int('WEB_CONCURRENCY', 1, 1, 64),
    outbox: {
      retentionSeconds: read.int('OUTBOX_RETENTION_SECONDS', 3600, 0, 365 * 24 * 3600),
      cleanupIntervalSeconds,
      cleanupBatchSize,
      publication: read.identifier('OUTBOX_PUBLICATION', 'book_outbox_publication'),
      slot: read.identifier('OUTBOX_SLOT', 'book_outbox_slot'),
    },
    idempotency: {
      keyTtlSeconds: read.int('IDEMPOTENCY_KEY_TTL_SECONDS', 24 * 3600, 60, 30 * 24 * 3600),
      cleanupIntervalSeconds,
      cleanupBatchSize,
    },
    shutdownDrainSeconds: read.int('SHUTDOWN_DRAIN_SECONDS', 5, 0, 300),
  };
  return config;
}
