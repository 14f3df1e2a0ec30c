/**
 * npm run fuzz:api — schemathesis, a schema-driven fuzzer, against /openapi.json of the
 * real service on a throwaway PostgreSQL (the same set-up as the component tests: roles
 * bootstrapped, a database migrated by the owner, the service connected as book_app).
 *
 * Every check (`--checks all`) over all four phases (examples, coverage, fuzzing and the
 * stateful phase that follows the document's links, e.g. add a book, then get or delete
 * it): no 5xx, no response outside the document, and no request the document forbids
 * that the service accepts (or the other way round). The run is bounded by examples per
 * operation and by time, so it is short enough for CI; pass more to schemathesis after
 * `--`, e.g. `npm run fuzz:api -- --max-examples=1000 --max-time=900 --seed=1`.
 *
 * schemathesis is pinned and installed from PyPI once, into a virtualenv outside the
 * repository ($BOOK_SERVICE_CACHE or ~/.cache/book-service/schemathesis-<version>).
 * Exit status: schemathesis's (0 when nothing was found).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, startOwnCluster } from '../../service/test/support/test-database';
import { startTestService } from '../../service/test/support/test-service';

export const SCHEMATHESIS_VERSION = '4.32.5';

/** The bounded run: about a minute on two shared cores. */
export const DEFAULT_ARGS = ['--checks=all', '--phases=examples,coverage,fuzzing,stateful', '--max-examples=100', '--max-time=90', '--workers=2'];

function cacheDir(): string {
  return process.env.BOOK_SERVICE_CACHE ?? join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'book-service');
}

/** The `st` executable of the pinned schemathesis, installed on first use. */
export function ensureSchemathesis(): string {
  const venv = join(cacheDir(), `schemathesis-${SCHEMATHESIS_VERSION}`);
  const st = join(venv, 'bin', 'st');
  if (spawnSync(st, ['--version'], { encoding: 'utf8' }).stdout?.includes(SCHEMATHESIS_VERSION)) return st;
  console.log(`installing schemathesis==${SCHEMATHESIS_VERSION} from PyPI into ${venv} (once)`);
  rmSync(venv, { recursive: true, force: true });
  mkdirSync(cacheDir(), { recursive: true });
  const run = (command: string, args: string[]) => {
    const result = spawnSync(command, args, { stdio: 'inherit' });
    if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status ?? result.signal})`);
  };
  run('python3', ['-m', 'venv', venv]);
  run(join(venv, 'bin', 'pip'), ['install', '--disable-pip-version-check', '-q', `schemathesis==${SCHEMATHESIS_VERSION}`]);
  return st;
}

async function main(): Promise<number> {
  const st = ensureSchemathesis();
  const cluster = await startOwnCluster();
  const db = await createTestDatabase(cluster);
  const api = await startTestService(db);
  const extra = process.argv.slice(2);
  // A later option of the same name wins in click, so extra arguments override the defaults.
  const args = ['run', `${api.url}/openapi.json`, ...DEFAULT_ARGS, ...extra];
  console.log(`service ${api.url}, PostgreSQL (${cluster.server.kind}) on ${cluster.host}:${cluster.port}`);
  console.log(`${st} ${args.join(' ')}`);
  try {
    return await new Promise<number>((resolve, reject) => {
      const child = spawn(st, args, { stdio: 'inherit', env: { ...process.env, SCHEMATHESIS_HOOKS: join(__dirname, 'fuzz-api-hooks.py') } });
      const forward = (signal: NodeJS.Signals) => child.kill(signal);
      process.once('SIGINT', forward).once('SIGTERM', forward);
      child.on('error', reject);
      child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
    });
  } finally {
    await api.stop();
    await db.drop();
    await cluster.server.destroy();
  }
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
}
