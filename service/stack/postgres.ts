import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { freePort, waitFor } from './processes';

/**
 * A throwaway PostgreSQL with wal_level=logical: the server binaries run as
 * processes, or (where a Docker engine answers) a testcontainers container.
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
  log?: (line: string) => void;
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

class ProcessPostgres implements PostgresServer {
  readonly kind = 'process' as const;
  readonly host = '127.0.0.1';
  readonly superuser = 'postgres';
  readonly superuserPassword = randomBytes(12).toString('hex');
  private child?: ChildProcess;

  get pid(): number | undefined {
    return this.child?.pid;
  }
  private readonly dir = mkdtempSync(join(tmpdir(), 'book-pg-'));
  private readonly dataDir = join(this.dir, 'data');

  constructor(readonly port: number, private readonly options: PostgresOptions) {}

  url(user: string, password: string, database: string): string {
    return `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${this.host}:${this.port}/${database}`;
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
    writeFileSync(
      join(this.dataDir, 'pg_hba.conf'),
      'local all all trust\nhost all all 127.0.0.1/32 scram-sha-256\nhost replication all 127.0.0.1/32 scram-sha-256\n',
    );
    chownToServerUser(this.dataDir);
  }

  async start(): Promise<void> {
    const settings: Record<string, string> = {
      ...LOGICAL_SETTINGS,
      listen_addresses: this.host,
      port: String(this.port),
      unix_socket_directories: this.dir,
      fsync: this.options.fsync ? 'on' : 'off',
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

class ContainerPostgres implements PostgresServer {
  readonly kind = 'container' as const;
  readonly superuser = 'postgres';
  readonly superuserPassword = randomBytes(12).toString('hex');
  // Typed loosely on purpose: testcontainers is a dev dependency loaded only where Docker answers.
  private container?: { getHost(): string; getMappedPort(p: number): number; stop(): Promise<unknown>; restart(): Promise<void> };
  host = '127.0.0.1';
  port = 0;
  private stopped = false;

  async init(options: PostgresOptions): Promise<void> {
    const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
    const settings = { ...LOGICAL_SETTINGS, fsync: options.fsync ? 'on' : 'off', ...options.settings };
    const started = await new PostgreSqlContainer('postgres:15')
      .withUsername(this.superuser)
      .withPassword(this.superuserPassword)
      .withCommand(['postgres', ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])])
      .start();
    this.container = started;
    this.host = started.getHost();
    this.port = started.getMappedPort(5432);
  }

  url(user: string, password: string, database: string): string {
    return `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${this.host}:${this.port}/${database}`;
  }

  async stop(): Promise<void> {
    throw new Error('stopping a containerised PostgreSQL on its port is not supported; use BOOK_POSTGRES=process');
  }

  async start(): Promise<void> {
    if (this.stopped) throw new Error('container was destroyed');
  }

  async destroy(): Promise<void> {
    this.stopped = true;
    await this.container?.stop();
  }
}

function dockerAnswers(): boolean {
  if (!process.env.DOCKER_HOST && !existsSync('/var/run/docker.sock')) return false;
  try {
    execFileSync('docker', ['info'], { stdio: 'ignore', timeout: 5000 });
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts PostgreSQL the way BOOK_POSTGRES says: `process` (installed server
 * binaries), `container` (testcontainers), or `auto` (container where a Docker
 * engine answers, else process).
 */
export async function startPostgres(options: PostgresOptions = {}): Promise<PostgresServer> {
  const choice = process.env.BOOK_POSTGRES ?? 'auto';
  if (!['auto', 'process', 'container'].includes(choice)) {
    throw new Error(`BOOK_POSTGRES must be auto, process or container, not "${choice}"`);
  }
  const useContainer = choice === 'container' || (choice === 'auto' && dockerAnswers());
  if (useContainer) {
    const pg = new ContainerPostgres();
    await pg.init(options);
    return pg;
  }
  if (!existsSync(join(PG_BIN, 'postgres'))) {
    throw new Error(`PostgreSQL server binaries not found in ${PG_BIN} (set PG_BIN, or BOOK_POSTGRES=container with Docker)`);
  }
  const pg = new ProcessPostgres(options.port ?? (await freePort()), options);
  await pg.init();
  await pg.start();
  return pg;
}
