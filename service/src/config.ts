import type { KeyExpiry } from './books/idempotency';
import { DEFAULT_ROLES } from './db/roles';
import { DatabaseTls, parseDatabaseTarget } from './db/ssl';
import type { OutboxRetention } from './outbox/outbox';

/** Service configuration from environment variables, validated once at start. */
export interface Config {
  /** Without TLS parameters: those are in databaseTls. */
  databaseUrl: string;
  /** sslmode and CA bundle, libpq semantics (db/ssl.ts). */
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

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

export type Env = Record<string, string | undefined>;
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/** Reads and checks environment variables, collecting every problem (shared with catalog/config.ts). */
export class Reader {
  readonly problems: string[] = [];
  constructor(private readonly env: Env) {}

  int(name: string, fallback: number, min: number, max: number): number {
    const raw = this.env[name];
    if (raw === undefined || raw === '') return fallback;
    if (!/^\d+$/.test(raw.trim()) || Number(raw) < min || Number(raw) > max) {
      this.problems.push(`${name} must be an integer from ${min} to ${max} (got "${raw}")`);
      return fallback;
    }
    return Number(raw);
  }

  oneOf<T extends string>(name: string, fallback: T, allowed: readonly T[]): T {
    const raw = this.env[name];
    if (raw === undefined || raw === '') return fallback;
    if (!(allowed as readonly string[]).includes(raw)) {
      this.problems.push(`${name} must be one of ${allowed.join(', ')} (got "${raw}")`);
      return fallback;
    }
    return raw as T;
  }

  /** A role name as PostgreSQL allows it (quoted where it is used): 1 to 63 characters, no control characters. */
  roleName(name: string, fallback: string): string {
    const raw = this.env[name] || fallback;
    if (raw.length > 63 || /[\u0000-\u001f\u007f]/.test(raw)) this.problems.push(`${name} must be a role name of 1 to 63 characters without control characters`);
    return raw;
  }

  /** A required (or defaulted) text setting. */
  text(name: string, fallback?: string): string {
    const raw = this.env[name] || fallback;
    if (!raw) this.problems.push(`${name} is required`);
    return raw ?? '';
  }

  identifier(name: string, fallback: string): string {
    const raw = this.env[name] || fallback;
    if (!IDENTIFIER.test(raw)) this.problems.push(`${name} must be a lower-case SQL identifier (got "${raw}")`);
    return raw;
  }
}

/** `url` when it is a postgres:// URL; else a problem naming the variable (never the value: it may hold a password). */
export function postgresUrl(name: string, url: string, problems: string[]): string {
  try {
    const parsed = new URL(url);
    if (!['postgres:', 'postgresql:'].includes(parsed.protocol)) throw new Error('protocol');
    return url;
  } catch {
    problems.push(`${name} must be a postgres://user:password@host:port/database URL`);
    return '';
  }
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
  /** Roles the migrations grant their privileges to, when they exist (see db/roles.ts). */
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
