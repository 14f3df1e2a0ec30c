import { resolve } from 'node:path';
import { ManagedProcess, Restartable } from './managed-process';

const REPO = resolve(__dirname, '../..');

export interface ServiceProcess extends Restartable {
  readonly url: string;
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
  const service = new ManagedProcess({
    name: 'the book service',
    command: process.execPath,
    args,
    cwd: REPO,
    env: { ...process.env, ...env, PORT: String(port) },
    logFile,
  });
  const start = async () => {
    service.start();
    await service.waitUntil(`book service on ${url}`, 60_000, async () => (await fetch(`${url}/readyz`)).ok, 200);
  };
  await start();
  return { url, logFile, start, kill: () => service.kill(), stop: () => service.stop() };
}
