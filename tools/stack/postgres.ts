import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import type { ContainerRuntimeClient } from 'testcontainers';
import { checkEngine, POSTGRES_IMAGE } from './container-engine';
import { freePort, waitFor } from './processes';

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
  /** The postmaster's process id, when PostgreSQL runs as a local process. */
  readonly pid?: number;
}

export interface PostgresOptions {
  port?: number;
  /** fsync off makes tests faster; benchmarks keep it on. */
  fsync?: boolean;
  settings?: Record<string, string>;
  /** Serve TLS with this key and certificate (PEM); `only` refuses unencrypted TCP connections (hostssl lines). */
  tls?: PostgresTls;
  log?: (line: string) => void;
}

export interface PostgresTls {
  certificate: string;
  key: string;
  only?: boolean;
}

/** pg_hba.conf: local connections trusted, TCP (and replication, for Debezium) with a password, over TLS when `tlsOnly`. */
function hbaLines(address: string, tlsOnly: boolean): string {
  const host = tlsOnly ? 'hostssl' : 'host';
  return `local all all trust\n${host} all all ${address} scram-sha-256\n${host} replication all ${address} scram-sha-256\n`;
}

const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';
const UNPRIVILEGED_USER = 'bookstack';

export const LOGICAL_SETTINGS: Record<string, string> = {
  wal_level: 'logical',
  max_replication_slots: '20',
  max_wal_senders: '20',
  max_connections: '200',
};

/** initdb and postgres refuse to run as root: run them as an unprivileged user. */
function ensureServerUser(): boolean {
  if (process.getuid?.() !== 0) return false;
  try {
    execFileSync('id', ['-u', UNPRIVILEGED_USER], { stdio: 'ignore' });
  } catch {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', UNPRIVILEGED_USER]);
  }
  return true;
}

function asServerUser(cmd: string, args: string[]): [string, string[]] {
  // setpriv execs in place (unlike runuser), so signals reach postgres itself.
  return ensureServerUser()
    ? ['setpriv', ['--reuid', UNPRIVILEGED_USER, '--regid', UNPRIVILEGED_USER, '--init-groups', cmd, ...args]]
    : [cmd, args];
}

function chownToServerUser(path: string): void {
  if (ensureServerUser()) execFileSync('chown', ['-R', `${UNPRIVILEGED_USER}:`, path]);
}

/** What both kinds share: loopback only, a generated superuser password, the same URLs. */
abstract class LocalPostgres {
  readonly host = '127.0.0.1';
  readonly superuser = 'postgres';
  readonly superuserPassword = randomBytes(12).toString('hex');

  constructor(readonly port: number) {}

  url(user: string, password: string, database: string): string {
    return `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${this.host}:${this.port}/${database}`;
  }
}

class ProcessPostgres extends LocalPostgres implements PostgresServer {
  readonly kind = 'process' as const;
  private child?: ChildProcess;

  get pid(): number | undefined {
    return this.child?.pid;
  }
  private readonly dir = mkdtempSync(join(tmpdir(), 'book-pg-'));
  private readonly dataDir = join(this.dir, 'data');

  constructor(port: number, private readonly options: PostgresOptions) {
    super(port);
  }

  async init(): Promise<void> {
    chmodSync(this.dir, 0o755);
    const pwfile = join(this.dir, 'pwfile');
    writeFileSync(pwfile, this.superuserPassword);
    chownToServerUser(this.dir);
    const [cmd, args] = asServerUser(join(PG_BIN, 'initdb'), [
      '-D', this.dataDir, '-U', this.superuser, `--pwfile=${pwfile}`,
      '--auth-local=trust', '--auth-host=scram-sha-256', '-E', 'UTF8', '--no-locale', '--no-sync',
    ]);
    execFileSync(cmd, args, { stdio: 'pipe' });
    rmSync(pwfile);
    // Replication connections (Debezium) come over TCP with a password.
    writeFileSync(join(this.dataDir, 'pg_hba.conf'), hbaLines('127.0.0.1/32', !!this.options.tls?.only));
    if (this.options.tls) {
      writeFileSync(join(this.dataDir, 'server.crt'), this.options.tls.certificate);
      // PostgreSQL refuses a key others can read.
      writeFileSync(join(this.dataDir, 'server.key'), this.options.tls.key, { mode: 0o600 });
    }
    chownToServerUser(this.dataDir);
  }

  async start(): Promise<void> {
    const settings: Record<string, string> = {
      ...LOGICAL_SETTINGS,
      listen_addresses: this.host,
      port: String(this.port),
      unix_socket_directories: this.dir,
      fsync: this.options.fsync ? 'on' : 'off',
      ...(this.options.tls
        ? { ssl: 'on', ssl_cert_file: join(this.dataDir, 'server.crt'), ssl_key_file: join(this.dataDir, 'server.key') }
        : {}),
      ...this.options.settings,
    };
    const args = ['-D', this.dataDir, ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])];
    const [cmd, argv] = asServerUser(join(PG_BIN, 'postgres'), args);
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    let exited = false;
    child.once('exit', () => (exited = true));
    const log = this.options.log;
    child.stderr?.on('data', (d: Buffer) => log?.(d.toString()));
    child.stdout?.on('data', (d: Buffer) => log?.(d.toString()));
    await waitFor(`PostgreSQL on port ${this.port}`, 30_000, () => {
      if (exited) throw new Error(`postgres exited during start (code ${child.exitCode})`);
      return this.isReady();
    });
  }

  private isReady(): boolean {
    try {
      execFileSync(join(PG_BIN, 'pg_isready'), ['-h', this.host, '-p', String(this.port), '-q']);
      return true;
    } catch {
      return false;
    }
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    // SIGINT is PostgreSQL's fast shutdown.
    child.kill('SIGINT');
    await exited;
    this.child = undefined;
  }

  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

const OWNER_LABEL = 'book-service.owner';
const TLS_DIR = '/book-tls';

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * A `postgres` container on a fixed host port, so that stop() and start() keep its data
 * (the container and its volume stay) and its address. Containers are labelled with the
 * host and pid that made them: without Ryuk, a later run removes what a killed run left.
 */
class ContainerPostgres extends LocalPostgres implements PostgresServer {
  readonly kind = 'container' as const;
  private id?: string;
  private tls = false;

  constructor(
    port: number,
    private readonly client: ContainerRuntimeClient,
  ) {
    super(port);
  }

  async init(options: PostgresOptions): Promise<void> {
    await removeLeftoverContainers(this.client);
    const { GenericContainer, Wait } = await import('testcontainers');
    // testcontainers publishes on every interface; the process variant listens on loopback only, so does this.
    class LoopbackContainer extends GenericContainer {
      publishOnLoopback(container: number, host: number): this {
        this.withExposedPorts({ container, host });
        this.hostConfig.PortBindings = { ...this.hostConfig.PortBindings, [`${container}/tcp`]: [{ HostIp: '127.0.0.1', HostPort: String(host) }] };
        return this;
      }
    }
    const tls = options.tls;
    this.tls = !!tls;
    const settings = {
      ...LOGICAL_SETTINGS,
      fsync: options.fsync ? 'on' : 'off',
      ...(tls ? { ssl: 'on', ssl_cert_file: `${TLS_DIR}/server.crt`, ssl_key_file: `${TLS_DIR}/server.key`, hba_file: `${TLS_DIR}/pg_hba.conf` } : {}),
      ...options.settings,
    };
    const container = new LoopbackContainer(POSTGRES_IMAGE);
    if (tls) {
      // Copied files belong to root; PostgreSQL wants its key owned by itself and private.
      container
        .withCopyContentToContainer([
          { content: tls.certificate, target: `${TLS_DIR}/server.crt`, mode: 0o644 },
          { content: tls.key, target: `${TLS_DIR}/server.key`, mode: 0o600 },
          { content: hbaLines('all', !!tls.only), target: `${TLS_DIR}/pg_hba.conf`, mode: 0o644 },
        ])
        .withEntrypoint(['sh', '-c', `chown postgres:postgres ${TLS_DIR}/server.key && exec docker-entrypoint.sh "$@"`, 'sh']);
    }
    const started = await container
      .withEnvironment({ POSTGRES_USER: this.superuser, POSTGRES_PASSWORD: this.superuserPassword })
      .withCommand(['postgres', ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])])
      .publishOnLoopback(5432, this.port)
      .withLabels({ [OWNER_LABEL]: `${hostname()}:${process.pid}` })
      .withHealthCheck({ test: ['CMD-SHELL', 'pg_isready -h 127.0.0.1 -q'], interval: 250, timeout: 1000, retries: 1000 })
      .withWaitStrategy(Wait.forHealthCheck())
      .withStartupTimeout(120_000)
      .start();
    this.id = started.getId();
    await this.waitReady();
  }

  private container() {
    if (!this.id) throw new Error('PostgreSQL container not started');
    return this.client.container.getById(this.id);
  }

  private async waitReady(): Promise<void> {
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

async function removeLeftoverContainers(client: ContainerRuntimeClient): Promise<void> {
  const containers = await client.container.dockerode.listContainers({ all: true, filters: { label: [OWNER_LABEL] } });
  for (const c of containers) {
    const [host, pid] = (c.Labels[OWNER_LABEL] ?? '').split(':');
    if (host !== hostname() || processAlive(Number(pid))) continue;
    await client.container.getById(c.Id).remove({ force: true, v: true }).catch(() => undefined);
  }
}

type PostgresMode = { kind: 'process' } | { kind: 'container'; client: ContainerRuntimeClient };
let resolvedMode: Promise<PostgresMode> | undefined;

function processBinariesReason(): string | undefined {
  return existsSync(join(PG_BIN, 'postgres')) ? undefined : `PostgreSQL server binaries not found in ${PG_BIN} (set PG_BIN)`;
}

/** BOOK_POSTGRES: `process`, `container`, or `auto` (containers where they can actually run, else processes). */
async function resolveMode(): Promise<PostgresMode> {
  const choice = process.env.BOOK_POSTGRES ?? 'auto';
  if (!['auto', 'process', 'container'].includes(choice)) {
    throw new Error(`BOOK_POSTGRES must be auto, process or container, not "${choice}"`);
  }
  if (choice === 'process') {
    const reason = processBinariesReason();
    if (reason) throw new Error(`BOOK_POSTGRES=process: ${reason}`);
    return { kind: 'process' };
  }
  const engine = await checkEngine([POSTGRES_IMAGE]);
  if (choice === 'container') {
    if (!engine.usable) throw new Error(`BOOK_POSTGRES=container cannot work here: ${engine.reason}`);
    return { kind: 'container', client: engine.client };
  }
  if (engine.usable) return { kind: 'container', client: engine.client };
  const reason = processBinariesReason();
  if (reason) throw new Error(`no way to run PostgreSQL: ${engine.reason}; ${reason}`);
  process.stderr.write(`[postgres] BOOK_POSTGRES=auto: using processes, not containers: ${engine.reason}\n`);
  return { kind: 'process' };
}

/**
 * Starts PostgreSQL the way BOOK_POSTGRES says (see resolveMode); the choice is made,
 * and its reason printed, once per process.
 */
export async function startPostgres(options: PostgresOptions = {}): Promise<PostgresServer> {
  resolvedMode ??= resolveMode();
  resolvedMode.catch(() => (resolvedMode = undefined));
  const mode = await resolvedMode;
  const port = options.port ?? (await freePort());
  if (mode.kind === 'container') {
    const pg = new ContainerPostgres(port, mode.client);
    await pg.init(options).catch(async (error: unknown) => {
      await pg.destroy().catch(() => undefined);
      throw error;
    });
    return pg;
  }
  const pg = new ProcessPostgres(port, options);
  await pg.init();
  await pg.start();
  return pg;
}
