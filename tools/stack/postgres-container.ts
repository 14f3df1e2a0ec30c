import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import type { ContainerRuntimeClient } from 'testcontainers';
import { ownerLabels, POSTGRES_IMAGE, removeLeftovers, withLoopbackPorts } from './container-engine';
import { hbaLines, LocalPostgres, LOGICAL_SETTINGS, PostgresOptions, PostgresServer } from './postgres-server';
import { waitFor } from './processes';

const HBA_FILE = '/etc/book-stack/pg_hba.conf';

/**
 * A PostgreSQL container (@testcontainers/postgresql) on a fixed loopback port, so that stop() and
 * start() keep its data (the container and its volume stay) and its address.
 */
export class ContainerPostgres extends LocalPostgres implements PostgresServer {
  readonly kind = 'container' as const;
  /** The postmaster's host pid (the container's first process), for CPU accounting; set by each start. */
  pid?: number;
  private id?: string;
  private tls = false;

  constructor(
    port: number,
    private readonly client: ContainerRuntimeClient,
  ) {
    super(port);
  }

  async init(options: PostgresOptions): Promise<void> {
    await removeLeftovers(this.client);
    const [{ PostgreSqlContainer }, { Wait }] = await Promise.all([import('@testcontainers/postgresql'), import('testcontainers')]);
    const tls = options.tls;
    this.tls = !!tls;
    const container = new (withLoopbackPorts(PostgreSqlContainer))(POSTGRES_IMAGE)
      .withDatabase('postgres')
      .withUsername(this.superuser)
      .withPassword(this.superuserPassword)
      .publishOnLoopback(5432, this.port)
      // The module also probes the published port at the engine's address, which inside a container
      // (/.dockerenv) is the bridge gateway, where a loopback-only port is never bound: waitReady()
      // connects through loopback instead.
      .withWaitStrategy(Wait.forHealthCheck())
      .withLabels(ownerLabels())
      .withCommand(['postgres', ...Object.entries({
        ...LOGICAL_SETTINGS,
        fsync: options.fsync ? 'on' : 'off',
        ...(tls ? { hba_file: HBA_FILE } : {}),
        ...options.settings,
      }).flatMap(([k, v]) => ['-c', `${k}=${v}`])]);
    if (options.network) container.withNetworkMode(options.network.name).withNetworkAliases(options.network.alias);
    // withSSL copies files: the key and certificate live in a private directory for the start.
    const files = tls ? mkdtempSync(join(tmpdir(), 'book-pg-tls-')) : undefined;
    try {
      if (tls && files) {
        writeFileSync(join(files, 'server.crt'), tls.certificate);
        writeFileSync(join(files, 'server.key'), tls.key, { mode: 0o600 });
        container
          .withSSL(join(files, 'server.crt'), join(files, 'server.key'))
          .withCopyContentToContainer([{ content: hbaLines('all', !!tls.only), target: HBA_FILE, mode: 0o644 }]);
      }
      this.id = (await container.start()).getId();
    } finally {
      if (files) rmSync(files, { recursive: true, force: true });
    }
    await this.waitReady();
  }

  private container() {
    if (!this.id) throw new Error('PostgreSQL container not started');
    return this.client.container.getById(this.id);
  }

  private async waitReady(): Promise<void> {
    this.pid = (await this.container().inspect()).State.Pid || undefined;
    await waitFor(`PostgreSQL container on port ${this.port}`, 60_000, async () => {
      const client = new Client({
        connectionString: this.url(this.superuser, this.superuserPassword, 'postgres'),
        ssl: this.tls ? { rejectUnauthorized: false } : false,
      });
      client.on('error', () => undefined);
      try {
        await client.connect();
        await client.query('SELECT 1');
        return true;
      } finally {
        await client.end().catch(() => undefined);
      }
    });
  }

  async stop(): Promise<void> {
    const info = await this.container().inspect();
    if (!info.State.Running) return;
    // The image's STOPSIGNAL is SIGINT: PostgreSQL's fast shutdown, as for the process.
    await this.container().stop({ t: 30 });
  }

  async start(): Promise<void> {
    const info = await this.container().inspect();
    if (!info.State.Running) await this.container().start();
    await this.waitReady();
  }

  async destroy(): Promise<void> {
    if (!this.id) return;
    await this.container().remove({ force: true, v: true });
    this.id = undefined;
  }
}
