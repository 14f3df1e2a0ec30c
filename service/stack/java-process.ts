import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, readFileSync, WriteStream } from 'node:fs';

export interface JavaProcessOptions {
  name: string;
  mainClass: string;
  args: string[];
  classpath: string;
  /** Heap and GC flags; kept small for 2-core, shared machines. */
  jvmOptions?: string[];
  log4jConfig: string;
  logFile: string;
  cwd?: string;
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

const DEFAULT_JVM = ['-Xms64m', '-Xmx512m', '-XX:+UseSerialGC', '-Djava.awt.headless=true'];

/** One JVM that can be started, SIGKILLed and started again with the same arguments. */
export class JavaProcess {
  private child?: ChildProcess;
  private log?: WriteStream;
  private exit?: Promise<void>;

  constructor(private readonly options: JavaProcessOptions) {}

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
    const child = spawn(
      'java',
      [...(o.jvmOptions ?? DEFAULT_JVM), `-Dlog4j2.configurationFile=${o.log4jConfig}`, '-cp', o.classpath, o.mainClass, ...o.args],
      { cwd: o.cwd, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout?.pipe(this.log, { end: false });
    child.stderr?.pipe(this.log, { end: false });
    this.exit = new Promise((resolve) => child.once('exit', () => resolve()));
    killOnExit(child);
    this.child = child;
  }

  /** Throws with the tail of the log if the JVM has died (for use inside waitFor checks). */
  assertAlive(): void {
    if (!this.running) {
      throw new Error(`${this.options.name} exited (code ${this.child?.exitCode}, signal ${this.child?.signalCode}); log tail:\n${this.logTail()}`);
    }
  }

  /** Polls `check` until truthy; fails at once, with the log tail, if the JVM dies meanwhile. */
  async waitUntil(what: string, timeoutMs: number, check: () => Promise<boolean>, intervalMs = 500): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let lastError: unknown;
    for (;;) {
      this.assertAlive();
      try {
        if (await check()) return;
      } catch (error) {
        lastError = error;
      }
      if (Date.now() > deadline) {
        const reason = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${reason}; log tail:\n${this.logTail()}`);
      }
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }

  logTail(lines = 40): string {
    try {
      return readFileSync(this.options.logFile, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }

  /** SIGKILL: no shutdown hook runs, like a crashed pod. */
  async kill(): Promise<void> {
    await this.signal('SIGKILL');
  }

  /** SIGTERM, then SIGKILL if the JVM has not exited after `graceMs`. */
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

/** A log4j2 configuration that writes to stdout (piped into the process's log file). */
export function log4jProperties(loggers: Record<string, string> = {}): string {
  const lines = [
    'status = warn',
    'appender.stdout.type = Console',
    'appender.stdout.name = STDOUT',
    'appender.stdout.layout.type = PatternLayout',
    'appender.stdout.layout.pattern = [%d] %p %m (%c)%n',
    'rootLogger.level = INFO',
    'rootLogger.appenderRef.stdout.ref = STDOUT',
  ];
  Object.entries(loggers).forEach(([name, level], i) => lines.push(`logger.l${i}.name = ${name}`, `logger.l${i}.level = ${level}`));
  return lines.join('\n') + '\n';
}

export function propertiesFile(props: Record<string, string>): string {
  // Backslashes are escapes in .properties files.
  return Object.entries(props).map(([k, v]) => `${k}=${v.replace(/\\/g, '\\\\')}`).join('\n') + '\n';
}
