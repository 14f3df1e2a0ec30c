import { resolve } from 'node:path';
import { ManagedProcess, Restartable } from './managed-process';

const REPO = resolve(__dirname, '../..');

export interface ServiceProcess extends Restartable {
  /** Base URL of its HTTP port (the API, or the consumer's /healthz, /readyz, /metrics). */
  readonly url: string;
  /** The process's id while it runs (its CPU time is read from /proc by the benchmarks). */
  readonly pid?: number;
}

/** The product's long-running entry points: service/src/bin/<entry>.ts, compiled to dist/bin/<entry>.js. */
export type EntryPoint = 'book-service' | 'book-catalog';

const NAMES: Record<EntryPoint, string> = { 'book-service': 'the book service', 'book-catalog': 'the book-catalog consumer' };

/**
 * An entry point of the product as a child process, exactly as deployed: `node dist/bin/<entry>.js`
 * when BOOK_STACK_SERVICE=dist (after npm run build), else service/src/bin/<entry>.ts through tsx.
 * Started means /readyz answers 200.
 */
export async function startEntryProcess(entry: EntryPoint, port: number, env: Record<string, string>, logFile: string): Promise<ServiceProcess> {
  const args = process.env.BOOK_STACK_SERVICE === 'dist'
    ? [resolve(REPO, `dist/bin/${entry}.js`)]
    : ['--import', 'tsx', resolve(REPO, `service/src/bin/${entry}.ts`)];
  const url = `http://127.0.0.1:${port}`;
  const child = new ManagedProcess({
    name: NAMES[entry],
    command: process.execPath,
    args,
    cwd: REPO,
    env: { ...process.env, ...env, PORT: String(port) },
    logFile,
  });
  const start = async () => {
    child.start();
    await child.waitUntil(`${NAMES[entry].replace(/^the /, '')} on ${url}`, 60_000, async () => (await fetch(`${url}/readyz`)).ok, 200);
  };
  await start();
  return { url, logFile, start, kill: () => child.kill(), stop: () => child.stop(), get pid() { return child.pid; } };
}

/** The book service (service/src/bin/book-service.ts). */
export function startServiceProcess(port: number, env: Record<string, string>, logFile: string): Promise<ServiceProcess> {
  return startEntryProcess('book-service', port, env, logFile);
}
