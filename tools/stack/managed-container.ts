import { createWriteStream, WriteStream } from 'node:fs';
import type { ContainerRuntimeClient, StartedTestContainer } from 'testcontainers';
import { Restartable } from './managed-process';
import { StopWaiting, tailOf, waitFor } from './processes';

/**
 * A container of the local stack (the Kafka broker, the Connect worker) that a fault run can
 * SIGKILL, stop, pause and start again; the container keeps its file system, network alias and
 * host port across restarts. Its output is appended to `logFile`, as for a process.
 */
export class ManagedContainer implements Restartable {
  /** Host process id of the container's first process (the JVM), for CPU accounting; set by each start. */
  pid?: number;

  constructor(
    private readonly client: ContainerRuntimeClient,
    private readonly started: StartedTestContainer,
    readonly name: string,
    readonly logFile: string,
    /** Resolves once the component serves again after a start (a broker answers, a REST API lists connectors). */
    private readonly whenStarted: (container: ManagedContainer) => Promise<void>,
    /** Where the first start's output is being written; ended when the next start writes its own. */
    private log?: WriteStream,
  ) {}

  get id(): string {
    return this.started.getId();
  }

  private get container() {
    return this.client.container.dockerode.getContainer(this.id);
  }

  /** Writes a file into the container (root-owned, `mode`), running or not. */
  async writeFile(target: string, content: string, mode: number): Promise<void> {
    await this.started.copyContentToContainer([{ content, target, mode }]);
  }

  /** Appends the container's output from `sinceSeconds` on to the log file until the container stops. */
  async followLogs(sinceSeconds = 0): Promise<void> {
    this.log?.end();
    const log = createWriteStream(this.logFile, { flags: 'a' });
    this.log = log;
    const stream = await this.container.logs({ follow: true, stdout: true, stderr: true, since: sinceSeconds });
    this.client.container.dockerode.modem.demuxStream(stream, log, log);
    stream.on('error', () => undefined);
  }

  async state(): Promise<{ Running: boolean; Paused: boolean; Status: string; ExitCode: number; Pid: number }> {
    return (await this.container.inspect()).State;
  }

  /** Reads the host pid of the running container. */
  async notePid(): Promise<void> {
    const state = await this.state();
    this.pid = state.Running ? state.Pid : undefined;
  }

  /** Polls `check` until truthy; fails at once, with the log tail, if the container stops meanwhile. */
  async waitUntil(what: string, timeoutMs: number, check: () => Promise<boolean>, intervalMs = 500): Promise<void> {
    await waitFor(what, timeoutMs, async () => {
      const state = await this.state();
      if (!state.Running) throw new StopWaiting(`${this.name} container ${state.Status} (exit code ${state.ExitCode}); log tail:\n${this.logTail()}`);
      return check();
    }, { intervalMs, detail: () => `log tail:\n${this.logTail()}` });
  }

  logTail(lines = 40): string {
    return tailOf(this.logFile, lines);
  }

  /** SIGKILL to the container's init: no shutdown hook runs, like a crashed pod. */
  async kill(): Promise<void> {
    if ((await this.state()).Running) await this.container.kill({ signal: 'SIGKILL' });
    await waitFor(`${this.name} container to exit`, 30_000, async () => !(await this.state()).Running, 100);
  }

  /** SIGTERM (a graceful shutdown), SIGKILL after `graceSeconds`. */
  async stop(graceSeconds = 15): Promise<void> {
    const state = await this.state();
    if (state.Paused) await this.container.unpause();
    if (state.Running) await this.container.stop({ t: graceSeconds });
  }

  /** Starts it again (after kill or stop) and waits until it serves. */
  async start(): Promise<void> {
    const since = Math.floor(Date.now() / 1000);
    if (!(await this.state()).Running) await this.container.start();
    await this.followLogs(since);
    await this.notePid();
    await this.whenStarted(this);
  }

  /**
   * Freezes every process of the container (the cgroup freezer): alive but silent, like a stalled node.
   * Under cgroup v1 a busy cgroup can stay FREEZING; runc then thaws it and answers "unable to
   * freeze", so the freeze is tried again (the container runs on meanwhile, as before the call).
   */
  async pause(): Promise<void> {
    await waitFor(`${this.name} container to freeze`, 30_000, async () => {
      if ((await this.state()).Paused) return true;
      try {
        await this.container.pause();
        return true;
      } catch (error) {
        if (/unable to freeze/.test(String(error))) throw error;
        throw new StopWaiting(`${this.name} container cannot be paused: ${String(error)}`);
      }
    }, 1_000);
  }

  async unpause(): Promise<void> {
    await this.container.unpause();
  }

  /** Removes the container and its volumes. */
  async destroy(): Promise<void> {
    await this.container.remove({ force: true, v: true }).catch(() => undefined);
    this.log?.end();
    this.log = undefined;
  }
}
