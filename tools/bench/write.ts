/**
 * Write-path yardstick (docs/design.md#performance-yardsticks): on one throwaway PostgreSQL, pgbench runs the
 * exact SQL transaction the service performs for POST /books, then a load generator (wrk when
 * installed, else autocannon) loads POST /books on the real service at the same concurrencies.
 * Prints both rates, the ratio, and the CPU time per transaction of each party.
 *
 *   npm run bench:write   BENCH_SECONDS (15), BENCH_CONNECTIONS (1,8,32), BENCH_WORKERS (1: the
 *                         service's WEB_CONCURRENCY, a list runs each), BENCH_FSYNC=on|off, BENCH_LOG_LEVEL,
 *                         BENCH_POOL, BENCH_LOADGEN=autocannon, BENCH_PROFILE=<dir> (a .cpuprofile per service process),
 *                         BENCH_NODE_OPTIONS (the service's, e.g. --max-semi-space-size=32),
 *                         BENCH_FLOOR=off (skip the floors: the same transaction behind node:http on node-postgres, and on the BookStore,
 *                         and one Koa route with koa-body on the BookStore)
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ADD_BOOK } from '../../service/src/api/books/statements';
import { bindInline, sqlLiteral } from '../stack/bind';
import { DEFAULT_ROLES } from '../../service/src/shared/db/roles';
import { startBenchDatabase } from './bench-database';
import { ManagedProcess } from '../stack/managed-process';
import { freePort } from '../stack/processes';
import { startServiceProcess } from '../stack/service-process';
import { selfCpuSeconds, treeCpuSeconds } from './cpu-time';
import { loadGenerator } from './load-generator';

const list = (text: string) => text.split(',').map((n) => Number(n.trim()));
const seconds = Number(process.env.BENCH_SECONDS ?? 15);
const concurrencies = list(process.env.BENCH_CONNECTIONS ?? '1,8,32');
const workerCounts = list(process.env.BENCH_WORKERS ?? '1');
const fsync = (process.env.BENCH_FSYNC ?? 'off') === 'on';
const logLevel = process.env.BENCH_LOG_LEVEL ?? 'info';
/** The service's pool; its default (10) unless BENCH_POOL says otherwise. */
const pool = process.env.BENCH_POOL;
const profileDir = process.env.BENCH_PROFILE ? resolve(process.env.BENCH_PROFILE) : undefined;
const nodeOptions = [process.env.BENCH_NODE_OPTIONS ?? '', profileDir ? `--cpu-prof --cpu-prof-dir=${profileDir}` : ''].join(' ').trim();
/** Also load the floors (floor-server.ts): the same transaction behind node:http only. */
const floor = (process.env.BENCH_FLOOR ?? 'on') !== 'off';
const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';
const book = { title: 'Bench title', author: 'Bench author', price: 12.34 };

/** The service's own statement (service/src/api/books/statements.ts), every bind parameter replaced by the same values as SQL. */
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

/** A server under load: its base URL, the process whose tree's CPU is its cost, and how to stop it. */
interface Server {
  url: string;
  pid?: number;
  stop(): Promise<void>;
}

interface Cost {
  db: number;
  client: number;
  load: number;
}

const us = (s: number) => (Number.isFinite(s) ? (s * 1e6).toFixed(0) : '?').padStart(8);
const total = (c: Cost) => c.db + c.client + c.load;
const load1 = () => loadavg()[0].toFixed(2);

async function main(): Promise<void> {
  const { pg, appPassword, appUrl } = await startBenchDatabase({ fsync });
  const dir = mkdtempSync(join(tmpdir(), 'book-bench-'));
  try {
    const script = join(dir, 'add-book.sql');
    writeFileSync(script, pgbenchScript());
    const loader = loadGenerator(dir);
    console.log(`PostgreSQL ${pg.kind} on port ${pg.port}, fsync=${fsync ? 'on' : 'off'}; ${concurrencies.join(', ')} connections, ${seconds} s each; load generator ${loader.name}; 1-min load average at start ${load1()}\n`);
    console.log('pgbench transaction:\n' + pgbenchScript());

    // CPU time per transaction as well as rates: on a shared 2-core machine the rates
    // move with other load, the CPU cost per transaction much less.
    const dbCpu = () => (pg.pid ? treeCpuSeconds(pg.pid) : NaN);
    const pgbench = new Map<number, { tps: number; cost: Cost }>();
    for (const c of concurrencies) {
      const db0 = dbCpu();
      const reaped0 = selfCpuSeconds().children;
      const output = execFileSync(
        join(PG_BIN, 'pgbench'),
        ['-n', '-M', 'extended', '-c', String(c), '-j', String(Math.min(2, c)), '-T', String(seconds), '-f', script,
          '-h', pg.host, '-p', String(pg.port), '-U', DEFAULT_ROLES.app, 'books'],
        { env: { ...process.env, PGPASSWORD: appPassword }, encoding: 'utf8' },
      );
      const tps = Number(/tps = ([\d.]+)/.exec(output)?.[1]);
      const tx = Number(/number of transactions actually processed: (\d+)/.exec(output)?.[1]);
      pgbench.set(c, { tps, cost: { db: (dbCpu() - db0) / tx, client: (selfCpuSeconds().children - reaped0) / tx, load: 0 } });
    }

    /** Loads POST /books on a server `start()` brings up, at every concurrency; one row each, printed under `title`. */
    let failures = 0;
    const loadServer = async (title: string, start: () => Promise<Server>) => {
      const server = await start();
      try {
        const serverCpu = () => (server.pid ? treeCpuSeconds(server.pid) : NaN);
        const url = `${server.url}/books`;
        const body = JSON.stringify(book);
        await loader.run(url, body, Math.max(...concurrencies), 3); // warm-up: JIT, pool, every worker

        console.log(`\n${title}, load generator ${loader.name}`);
        console.log('conns                          rate     ratio   p50 ms   p99 ms  CPU per transaction (us): PostgreSQL  client  load gen.  total   load avg');
        for (const c of concurrencies) {
          const { tps, cost: pgCost } = pgbench.get(c)!;
          const loadBefore = load1();
          const [db1, svc1] = [dbCpu(), serverCpu()];
          const result = await loader.run(url, body, c, seconds);
          const cost: Cost = { db: (dbCpu() - db1) / result.requests, client: (serverCpu() - svc1) / result.requests, load: result.cpuSeconds / result.requests };
          failures += result.failures;
          const ratio = result.rps / tps;
          console.log(`${String(c).padStart(5)}  pgbench (same SQL)   ${tps.toFixed(0).padStart(8)} tx/s                               ${us(pgCost.db)}${us(pgCost.client)}${us(0)}${us(total(pgCost))}`);
          console.log(`${String(c).padStart(5)}  POST /books          ${result.rps.toFixed(0).padStart(8)} req/s ${ratio.toFixed(2).padStart(6)}x ${result.p50ms.toFixed(2).padStart(8)} ${result.p99ms.toFixed(2).padStart(8)}  ${us(cost.db)}${us(cost.client)}${us(cost.load)}${us(total(cost))}   ${loadBefore}${result.failures ? `  FAILED ${result.failures}` : ''}`);
        }
      } finally {
        await server.stop();
      }
    };

    for (const workers of workerCounts) {
      if (profileDir) mkdirSync(profileDir, { recursive: true });
      await loadServer(
        `WEB_CONCURRENCY=${workers} (service LOG_LEVEL=${logLevel}, DB_POOL_MAX=${pool ?? 'default 10'} per process${nodeOptions ? `, NODE_OPTIONS=${nodeOptions}` : ''})`,
        async () => {
          const service = await startServiceProcess(
            await freePort(),
            {
              DATABASE_URL: appUrl,
              LOG_LEVEL: logLevel,
              WEB_CONCURRENCY: String(workers),
              SHUTDOWN_DRAIN_SECONDS: '0',
              ...(pool ? { DB_POOL_MAX: pool } : {}),
              ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}),
            },
            join(dir, 'service.log'),
          );
          return { url: service.url, pid: service.pid, stop: () => service.stop() };
        },
      );
    }
    const floors = [
      ['pg', '', 'node:http and node-postgres only'],
      ['sequelize', '', "node:http and the service's BookStore.add (Sequelize managed transaction, outbox append) only"],
      ['sequelize', 'koa', 'one Koa route (@koa/router, koa-body) on BookStore.add'],
    ] as const;
    for (const [db, http, what] of floor ? floors : []) {
      const mode = `FLOOR_DB=${db}${http ? ` FLOOR_HTTP=${http}` : ''}`;
      await loadServer(`Floor ${mode}: ${what} (tools/bench/floor-server.ts, pool 10, one process)`, async () => {
        const port = await freePort();
        const child = new ManagedProcess({
          name: `floor server (${mode})`,
          command: process.execPath,
          args: ['--import', 'tsx', resolve(__dirname, 'floor-server.ts')],
          env: { ...process.env, DATABASE_URL: appUrl, PORT: String(port), FLOOR_DB: db, FLOOR_HTTP: http },
          cwd: resolve(__dirname, '../..'),
          logFile: join(dir, `floor-${db}${http ? `-${http}` : ''}.log`),
        });
        child.start();
        const url = `http://127.0.0.1:${port}`;
        await child.waitUntil(`the floor server on ${url}`, 60_000, async () => (await fetch(`${url}/readyz`)).ok, 200);
        return { url, pid: child.pid, stop: () => child.stop() };
      });
    }
    console.log('\nTargets at 32 connections: service CPU ("client") <= 250 us per request (the node-postgres floor + 25 %), p99 <= 25 ms, WEB_CONCURRENCY=2 not slower than 1; ratio >= 0.50 (stretch 0.60).');
    if (failures > 0) process.exitCode = 1;
  } finally {
    await pg.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
