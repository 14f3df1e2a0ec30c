/**
 * Write-path yardstick (docs/design.md#performance-yardsticks): on one throwaway PostgreSQL, pgbench runs the
 * exact SQL transaction the service performs for POST /books, then autocannon loads
 * POST /books on the real service at the same concurrency. Prints both rates and the ratio.
 *
 *   npm run bench:write            (BENCH_SECONDS, BENCH_CONNECTIONS, BENCH_FSYNC=on|off, BENCH_LOG_LEVEL, BENCH_POOL)
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { ADD_BOOK } from '../../service/src/books/statements';
import { bindInline, sqlLiteral } from '../../service/src/db/bind';
import { migrate } from '../../service/src/db/migrator';
import { bootstrapRoles, DEFAULT_ROLES } from '../../service/src/db/roles';
import { createSequelize } from '../../service/src/db/sequelize';
import { startPostgres } from '../stack/postgres';
import { freePort } from '../stack/processes';
import { startServiceProcess } from '../stack/service-process';
import { childPid, selfCpuSeconds, treeCpuSeconds } from './cpu-time';

const seconds = Number(process.env.BENCH_SECONDS ?? 15);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 32);
const fsync = (process.env.BENCH_FSYNC ?? 'off') === 'on';
const logLevel = process.env.BENCH_LOG_LEVEL ?? 'info';
/** The service's pool; its default (10) unless BENCH_POOL says otherwise. */
const pool = process.env.BENCH_POOL;
const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';
const book = { title: 'Bench title', author: 'Bench author', price: 12.34 };

/** The service's own statement (books/statements.ts), every bind parameter replaced by the same values as SQL. */
function pgbenchScript(): string {
  const sql = bindInline(ADD_BOOK, {
    title: sqlLiteral(book.title),
    author: sqlLiteral(book.author),
    price: String(book.price),
    eventId: 'gen_random_uuid()',
    traceparent: 'NULL',
  });
  return `BEGIN;\n${sql.replace(/\s+/g, ' ').trim()};\nEND;\n`;
}

async function main(): Promise<void> {
  const pg = await startPostgres({ fsync });
  const dir = mkdtempSync(join(tmpdir(), 'book-bench-'));
  let service: Awaited<ReturnType<typeof startServiceProcess>> | undefined;
  try {
    const passwords = { owner: randomBytes(9).toString('hex'), app: randomBytes(9).toString('hex'), cdc: randomBytes(9).toString('hex') };
    await bootstrapRoles(pg.url(pg.superuser, pg.superuserPassword, 'postgres'), 'books', passwords);
    const owner = createSequelize({ url: pg.url(DEFAULT_ROLES.owner, passwords.owner, 'books'), poolMax: 1 });
    await migrate(owner, { publication: 'book_outbox_publication', slot: 'book_outbox_slot', appRole: DEFAULT_ROLES.app, cdcRole: DEFAULT_ROLES.cdc });
    await owner.close();

    const script = join(dir, 'add-book.sql');
    writeFileSync(script, pgbenchScript());
    console.log(`PostgreSQL ${pg.kind} on port ${pg.port}, fsync=${fsync ? 'on' : 'off'}; ${connections} connections, ${seconds} s each\n`);
    console.log('pgbench transaction:\n' + pgbenchScript());

    // CPU time per transaction as well as rates: on a shared 2-core machine the rates
    // move with other load, the CPU cost per transaction much less.
    const dbCpu = () => (pg.pid ? treeCpuSeconds(pg.pid) : NaN);
    const db0 = dbCpu();
    const reaped0 = selfCpuSeconds().children;
    const output = execFileSync(
      join(PG_BIN, 'pgbench'),
      ['-n', '-M', 'extended', '-c', String(connections), '-j', '2', '-T', String(seconds), '-f', script,
        '-h', pg.host, '-p', String(pg.port), '-U', DEFAULT_ROLES.app, 'books'],
      { env: { ...process.env, PGPASSWORD: passwords.app }, encoding: 'utf8' },
    );
    const pgbenchTps = Number(/tps = ([\d.]+)/.exec(output)?.[1]);
    const pgbenchTx = Number(/number of transactions actually processed: (\d+)/.exec(output)?.[1]);
    const pgbenchCost = { db: (dbCpu() - db0) / pgbenchTx, client: (selfCpuSeconds().children - reaped0) / pgbenchTx, load: 0 };

    const port = await freePort();
    service = await startServiceProcess(
      port,
      { DATABASE_URL: pg.url(DEFAULT_ROLES.app, passwords.app, 'books'), LOG_LEVEL: logLevel, ...(pool ? { DB_POOL_MAX: pool } : {}) },
      join(dir, 'service.log'),
    );
    const servicePid = childPid('main.js');
    const serviceCpu = () => (servicePid ? treeCpuSeconds(servicePid) : NaN);
    const run = async (duration: number) =>
      autocannon({
        url: `${service!.url}/books`,
        method: 'POST',
        connections,
        duration,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(book),
      });
    await run(3); // warm-up: JIT and pool
    const [db1, svc1, self1] = [dbCpu(), serviceCpu(), selfCpuSeconds().own];
    const result = await run(seconds);
    const non2xx = result.non2xx + result.errors;
    const serviceRps = result.requests.average;
    const requests = result.requests.total;
    const serviceCost = { db: (dbCpu() - db1) / requests, client: (serviceCpu() - svc1) / requests, load: (selfCpuSeconds().own - self1) / requests };

    const us = (s: number) => (Number.isFinite(s) ? (s * 1e6).toFixed(0) : '?').padStart(8);
    const total = (c: typeof pgbenchCost) => c.db + c.client + c.load;
    const ratio = serviceRps / pgbenchTps;
    console.log('                               rate     CPU per transaction (us): PostgreSQL  client  load gen.  total');
    console.log(`pgbench (same SQL)         ${pgbenchTps.toFixed(0).padStart(8)} tx/s                      ${us(pgbenchCost.db)}${us(pgbenchCost.client)}${us(0)}${us(total(pgbenchCost))}`);
    console.log(`POST /books (service)      ${serviceRps.toFixed(0).padStart(8)} req/s                     ${us(serviceCost.db)}${us(serviceCost.client)}${us(serviceCost.load)}${us(total(serviceCost))}`);
    console.log(`  latency p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms; non-2xx/errors ${non2xx}; service LOG_LEVEL=${logLevel}, DB_POOL_MAX=${pool ?? 'default 10'}`);
    console.log(`ratio service / pgbench    ${ratio.toFixed(2).padStart(8)}   (target >= 0.50)`);
    console.log(`CPU-cost ratio pgbench / service per transaction: ${(total(pgbenchCost) / total(serviceCost)).toFixed(2)} (the rate ratio a CPU-bound quiet machine would show)`);
    if (non2xx > 0) process.exitCode = 1;
  } finally {
    await service?.stop();
    await pg.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
