/**
 * `npm run image:smoke -- [--image=book-service:dev]`: runs the service image the way the
 * Helm chart runs it (read-only root filesystem, writable /tmp, uid 10001, every capability
 * dropped, no privilege escalation) against a PostgreSQL container, and checks what a pod
 * relies on: the bootstrap and migration commands (the books and the catalog database), the
 * consumer's entry point, /readyz, /docs with every asset it
 * references, a POST whose row and outbox event are in PostgreSQL, and a clean exit on
 * `docker stop` within the drain time. Exit 1 on the first failed check.
 */
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { Client } from 'pg';
import type { Book } from '../../service/src/contract/book-schema';
import { POSTGRES_IMAGE } from '../stack/container-engine';
import { waitFor } from '../stack/processes';
import { docker, imageSizeMb, publishedPort } from './docker';

const { image } = parseArgs({ options: { image: { type: 'string', default: 'book-service:dev' } } }).values;
const DRAIN_SECONDS = 2;
const STOP_GRACE_SECONDS = 15;
// The chart's pod and container securityContext, as docker flags.
const AS_THE_CHART_RUNS_IT = [
  '--read-only', '--tmpfs', '/tmp:rw,size=64m', '--user', '10001:10001',
  '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges',
];

const id = randomBytes(4).toString('hex');
const names = { network: `book-smoke-${id}`, postgres: `book-smoke-pg-${id}`, service: `book-smoke-svc-${id}` };
const secretsDir = mkdtempSync(join(tmpdir(), 'book-smoke-'));
const passwords = { admin: hex(), owner: hex(), app: hex(), cdc: hex(), catalog: hex() };

function hex(): string {
  return randomBytes(12).toString('hex');
}

function check(condition: unknown, what: string): asserts condition {
  if (!condition) throw new Error(`check failed: ${what}`);
}

async function step<T>(what: string, action: () => Promise<T>): Promise<T> {
  const started = Date.now();
  const result = await action();
  console.log(`ok   ${what} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  return result;
}

/** Passwords go to containers through env files, never through the command line. */
function envFile(name: string, vars: Record<string, string>): string {
  const file = join(secretsDir, name);
  writeFileSync(file, Object.entries(vars).map(([k, v]) => `${k}=${v}\n`).join(''), { mode: 0o600 });
  return file;
}

function dbUrl(user: string, password: string, database: string): string {
  return `postgres://${user}:${password}@${names.postgres}:5432/${database}`;
}

async function runOnce(command: string, env: string): Promise<string> {
  return docker(['run', '--rm', '--network', names.network, ...AS_THE_CHART_RUNS_IT, '--env-file', env, image, 'node', command]);
}

async function main(): Promise<void> {
  console.log(`image ${image}: ${await imageSizeMb(image)} MB`);
  await docker(['network', 'create', names.network]);
  const pgEnv = envFile('postgres.env', { POSTGRES_PASSWORD: passwords.admin });
  await step(`PostgreSQL (${POSTGRES_IMAGE}, wal_level=logical)`, async () => {
    await docker(['run', '-d', '--name', names.postgres, '--network', names.network, '-p', '127.0.0.1::5432',
      '--env-file', pgEnv, POSTGRES_IMAGE, 'postgres', '-c', 'wal_level=logical']);
  });
  const pgPort = await publishedPort(names.postgres, 5432);
  await waitFor('PostgreSQL to accept connections', 60_000, async () => {
    const probe = new Client({ host: '127.0.0.1', port: pgPort, user: 'postgres', password: passwords.admin, database: 'postgres' });
    probe.on('error', () => undefined);
    try {
      await probe.connect();
      return true;
    } finally {
      await probe.end().catch(() => undefined);
    }
  }, 500);

  await step('wait-for-postgres (node dist/bin/wait-for-postgres.js), the hook Jobs\' init container: no credentials, exits 0', () =>
    runOnce('dist/bin/wait-for-postgres.js', envFile('wait.env', { PGHOST: names.postgres, PGPORT: '5432', PGDATABASE: 'postgres' })));
  await step('bootstrap (node dist/bin/bootstrap.js): roles and database', () => runOnce('dist/bin/bootstrap.js', envFile('bootstrap.env', {
    ADMIN_DATABASE_URL: dbUrl('postgres', passwords.admin, 'postgres'),
    BOOK_OWNER_PASSWORD: passwords.owner, BOOK_APP_PASSWORD: passwords.app, BOOK_CDC_PASSWORD: passwords.cdc,
    BOOK_CATALOG_PASSWORD: passwords.catalog,
  })));
  await step('migrate (node dist/bin/migrate.js), twice: the second run is a no-op', async () => {
    const env = envFile('migrate.env', { DATABASE_URL: dbUrl('book_owner', passwords.owner, 'books') });
    await runOnce('dist/bin/migrate.js', env);
    await runOnce('dist/bin/migrate.js', env);
  });
  await step('catalog migrate (node dist/bin/catalog-migrate.js), twice', async () => {
    const env = envFile('catalog.env', { CATALOG_DATABASE_URL: dbUrl('book_catalog', passwords.catalog, 'catalog') });
    await runOnce('dist/bin/catalog-migrate.js', env);
    await runOnce('dist/bin/catalog-migrate.js', env);
  });
  await step('consumer (node dist/bin/book-catalog.js): its modules load (kafkajs among the production dependencies), a missing setting is named', async () => {
    const refused = await runOnce('dist/bin/book-catalog.js', envFile('consumer.env', { LOG_LEVEL: 'info' })).then(() => '', (e: Error) => e.message);
    check(/KAFKA_BOOTSTRAP_SERVERS is required/.test(refused), `the consumer without configuration said: ${refused || 'nothing, and exited 0'}`);
  });

  await docker(['run', '-d', '--name', names.service, '--network', names.network, ...AS_THE_CHART_RUNS_IT,
    '-p', '127.0.0.1::8000', '-e', `SHUTDOWN_DRAIN_SECONDS=${DRAIN_SECONDS}`,
    '--env-file', envFile('service.env', { DATABASE_URL: dbUrl('book_app', passwords.app, 'books') }), image]);
  const base = `http://127.0.0.1:${await publishedPort(names.service, 8000)}`;
  await step('/readyz answers 200', () => waitFor('/readyz', 30_000, async () => (await fetch(`${base}/readyz`)).status === 200, 300));

  await step('/docs and every asset it references', async () => {
    const page = await fetch(`${base}/docs`);
    check(page.status === 200, `/docs status ${page.status}`);
    const html = await page.text();
    // The page asks nothing of any other host: its policy allows only the service's origin (and hashes).
    const policy = page.headers.get('content-security-policy') ?? '';
    check(/(^|; )default-src 'self'(;|$)/.test(policy) && !/https?:|\*/.test(policy), `/docs Content-Security-Policy: ${policy || 'none'}`);
    const assets = [...html.matchAll(/(?:src|href)="(\/[^"]+)"/g)].map((m) => m[1]);
    check(assets.length >= 4, `/docs references ${assets.length} assets`);
    for (const asset of assets) {
      const res = await fetch(base + asset);
      check(res.status === 200 && (await res.arrayBuffer()).byteLength > 100, `${asset} status ${res.status}`);
    }
    check((await fetch(`${base}/openapi.json`)).status === 200, '/openapi.json');
  });

  await step('POST /books: the row and its BookAdded event are in PostgreSQL', async () => {
    const res = await fetch(`${base}/books`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'Smoke', author: 'Image', price: 12.5 }),
    });
    check(res.status === 201, `POST /books status ${res.status}`);
    const book = (await res.json()) as Book;
    const books = new Client({ host: '127.0.0.1', port: pgPort, user: 'postgres', password: passwords.admin, database: 'books' });
    await books.connect();
    try {
      const row = await books.query('SELECT id, title, author, price::float8 AS price FROM books WHERE id = $1', [book.id]);
      check(isDeepStrictEqual(row.rows[0], book), `books row ${JSON.stringify(row.rows[0])} = response ${JSON.stringify(book)}`);
      const events = await books.query('SELECT type, payload FROM outbox WHERE aggregateid = $1', [String(book.id)]);
      check(events.rowCount === 1 && events.rows[0].type === 'BookAdded', `one BookAdded event, found ${JSON.stringify(events.rows)}`);
      check(isDeepStrictEqual(events.rows[0].payload, book), `event payload ${JSON.stringify(events.rows[0].payload)}`);
    } finally {
      await books.end();
    }
  });

  await step(`docker stop: exit code 0 within the drain time (${DRAIN_SECONDS} s) plus slack`, async () => {
    const started = Date.now();
    await docker(['stop', '-t', String(STOP_GRACE_SECONDS), names.service], (STOP_GRACE_SECONDS + 30) * 1000);
    const seconds = (Date.now() - started) / 1000;
    const code = await docker(['inspect', names.service, '--format', '{{.State.ExitCode}}']);
    check(code === '0', `exit code ${code} (137 means docker had to SIGKILL it)`);
    check(seconds < DRAIN_SECONDS + 5, `stopped after ${seconds.toFixed(1)} s`);
  });
  console.log('image smoke test passed');
}

async function cleanup(): Promise<void> {
  await docker(['rm', '-f', '-v', names.service, names.postgres]).catch(() => undefined);
  await docker(['network', 'rm', names.network]).catch(() => undefined);
  rmSync(secretsDir, { recursive: true, force: true });
}

main()
  .catch(async (error: unknown) => {
    console.error(`FAIL ${error instanceof Error ? error.message : String(error)}`);
    const logs = await docker(['logs', '--tail', '30', names.service]).catch(() => '');
    if (logs) console.error(`service log (last lines):\n${logs}`);
    process.exitCode = 1;
  })
  .finally(cleanup);
