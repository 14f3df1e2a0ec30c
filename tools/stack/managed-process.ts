import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, WriteStream } from 'node:fs';
import { StopWaiting, tailOf, waitFor } from './processes';

export interface ManagedProcessOptions {
  /** For messages: "Kafka broker", "book service". */
  name: string;
  command: string;
  args: string[];
  /** stdout and stderr are appended here. */
  logFile: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

/** A part of the local stack that a fault run can SIGKILL and start again. */
export interface Restartable {
  readonly logFile: string;
  /** Its (main) process id on this host, where known: for CPU accounting. */
  readonly pid?: number;
  /** SIGKILL: no shutdown hook runs, like a crashed pod. */
  kill(): Promise<void>;
  /** Start it again with the same configuration, port and data (after kill or stop). */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Containers only: freeze every process of it, and let it go on. */
  pause?(): Promise<void>;
  unpause?(): Promise<void>;
}

/** What can be waited on until it serves, failing at once if it dies: a ManagedProcess or a ManagedContainer. */
export interface Watched {
  waitUntil(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void>;
}

/** Children still running when this Node process exits (normally, by process.exit or an uncaught error). */
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/** SIGKILLs every registered child when Node exits, so an aborted run leaves no JVM or service behind. */
export function killOnExit(child: ChildProcess): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => live.forEach((c) => c.kill('SIGKILL')));
  }
  live.add(child);
  child.once('exit', () => live.delete(child));
}

/**
 * One child process of the local stack (a JVM, the book service) that can be started,
 * SIGKILLed, stopped and started again with the same arguments, its output in a log file.
 */
export class ManagedProcess {
  private child?: ChildProcess;
  private log?: WriteStream;
  private exit?: Promise<void>;

  constructor(private readonly options: ManagedProcessOptions) {}

  get name(): string {
    return this.options.name;
  }

  get logFile(): string {
    return this.options.logFile;
  }

  get pid(): number | undefined {
    return this.running ? this.child?.pid : undefined;
  }

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  start(): void {
    if (this.running) throw new Error(`${this.options.name} is already running`);
    const o = this.options;
    this.log = createWriteStream(o.logFile, { flags: 'a' });
    const child = spawn(o.command, o.args, { cwd: o.cwd, env: o.env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.pipe(this.log, { end: false });
    child.stderr?.pipe(this.log, { end: false });
    this.exit = new Promise((resolve) => child.once('exit', () => resolve()));
    killOnExit(child);
    this.child = child;
  }

  /** Throws (StopWaiting) with the tail of the log if the process has died: inside a waitFor check it fails the wait at once. */
  assertAlive(): void {
    if (!this.running) {
      throw new StopWaiting(`${this.options.name} exited (code ${this.child?.exitCode}, signal ${this.child?.signalCode}); log tail:\n${this.logTail()}`);
    }
  }

  /** Polls `check` until truthy; fails at once, with the log tail, if the process dies meanwhile. */
  async waitUntil(what: string, timeoutMs: number, check: () => Promise<boolean>, intervalMs = 500): Promise<void> {
    await waitFor(what, timeoutMs, () => {
      this.assertAlive();
      return check();
    }, { intervalMs, detail: () => `log tail:\n${this.logTail()}` });
  }

  logTail(lines = 40): string {
    return tailOf(this.options.logFile, lines);
  }

  /** SIGKILL: no shutdown hook runs, like a crashed pod. */
  async kill(): Promise<void> {
    await this.signal('SIGKILL');
  }

  /** SIGTERM, then SIGKILL if the process has not exited after `graceMs`. */
  async stop(graceMs = 15_000): Promise<void> {
    if (!this.running) return;
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), graceMs);
    await this.signal('SIGTERM');
    clearTimeout(timer);
  }

  private async signal(signal: NodeJS.Signals): Promise<void> {
    if (this.running) {
      this.child!.kill(signal);
      await this.exit;
    }
    this.log?.end();
    this.log = undefined;
  }
}
