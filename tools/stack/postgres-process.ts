import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hbaLines, LocalPostgres, LOGICAL_SETTINGS, PostgresOptions, PostgresServer } from './postgres-server';
import { waitFor } from './processes';

export const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';
const UNPRIVILEGED_USER = 'bookstack';

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

export class ProcessPostgres extends LocalPostgres implements PostgresServer {
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


/** Why the installed server binaries cannot be used, if they cannot. */
export function processBinariesReason(): string | undefined {
  return existsSync(join(PG_BIN, 'postgres')) ? undefined : `PostgreSQL server binaries not found in ${PG_BIN} (set PG_BIN)`;
}
