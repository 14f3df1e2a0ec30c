import { randomBytes } from 'node:crypto';

/**
 * A throwaway PostgreSQL with wal_level=logical: the server binaries run as
 * processes, or a container started through testcontainers (BOOK_POSTGRES).
 */
export interface PostgresServer {
  readonly kind: 'process' | 'container';
  readonly host: string;
  readonly port: number;
  readonly superuser: string;
  readonly superuserPassword: string;
  /** A connection URL for the given role and database. */
  url(user: string, password: string, database: string): string;
  /** Fast shutdown; `start()` brings the same cluster back on the same port. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stop and delete everything. */
  destroy(): Promise<void>;
  /** The postmaster's process id on this host (a container's too, as the host sees it). */
  readonly pid?: number;
}

export interface PostgresOptions {
  port?: number;
  /** fsync off makes tests faster; benchmarks keep it on. */
  fsync?: boolean;
  settings?: Record<string, string>;
  /** Serve TLS with this key and certificate (PEM); `only` refuses unencrypted TCP connections (hostssl lines). */
  tls?: PostgresTls;
  /** Containers only: join this network under this name, where other containers (Connect) reach it on port 5432. */
  network?: { name: string; alias: string };
  log?: (line: string) => void;
}

export interface PostgresTls {
  certificate: string;
  key: string;
  only?: boolean;
}

/** pg_hba.conf: local connections trusted, TCP (and replication, for Debezium) with a password, over TLS when `tlsOnly`. */
export function hbaLines(address: string, tlsOnly: boolean): string {
  const host = tlsOnly ? 'hostssl' : 'host';
  return `local all all trust\n${host} all all ${address} scram-sha-256\n${host} replication all ${address} scram-sha-256\n`;
}

export const LOGICAL_SETTINGS: Record<string, string> = {
  wal_level: 'logical',
  max_replication_slots: '20',
  max_wal_senders: '20',
  max_connections: '200',
};

/** What both kinds share: loopback only, a generated superuser password, the same URLs. */
export abstract class LocalPostgres {
  readonly host = '127.0.0.1';
  readonly superuser = 'postgres';
  readonly superuserPassword = randomBytes(12).toString('hex');

  constructor(readonly port: number) {}

  url(user: string, password: string, database: string): string {
    return `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${this.host}:${this.port}/${database}`;
  }
}

