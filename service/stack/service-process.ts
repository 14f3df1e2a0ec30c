import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { killOnExit } from './java-process';
import { waitFor } from './processes';

const REPO = resolve(__dirname, '../..');

export interface ServiceProcess {
  readonly url: string;
  readonly logFile: string;
  kill(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The book service as a child process, exactly as deployed: `node dist/main.js` when
 * BOOK_STACK_SERVICE=dist (after npm run build), else service/src/main.ts through tsx.
 */
export async function startServiceProcess(port: number, env: Record<string, string>, logFile: string): Promise<ServiceProcess> {
  const args = process.env.BOOK_STACK_SERVICE === 'dist'
    ? [resolve(REPO, 'dist/main.js')]
    : ['--import', 'tsx', resolve(REPO, 'service/src/main.ts')];
  const url = `http://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  const alive = () => !!child && child.exitCode === null && child.signalCode === null;
  const tail = () => readFileSync(logFile, 'utf8').split('\n').slice(-30).join('\n');

  const start = async () => {
    const log = createWriteStream(logFile, { flags: 'a' });
    child = spawn(process.execPath, args, { cwd: REPO, env: { ...process.env, ...env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    const c = child;
    exited = new Promise((r) => c.once('exit', () => r()));
    killOnExit(c);
    await waitFor(`book service on ${url}`, 60_000, async () => {
      if (!alive()) throw new Error(`the service exited (code ${c.exitCode}); log tail:\n${tail()}`);
      return (await fetch(`${url}/readyz`)).ok;
    });
  };
  const signal = async (sig: NodeJS.Signals) => {
    if (alive()) {
      child!.kill(sig);
      await exited;
    }
  };
  await start();
  return { url, logFile, start, kill: () => signal('SIGKILL'), stop: () => signal('SIGTERM') };
}
