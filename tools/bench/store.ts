/**
 * The write transaction without HTTP: CPU per transaction of this process for
 *   pg          BEGIN, the service's statement, COMMIT through node-postgres (the floor);
 *   bookstore   the service's BookStore.add (Sequelize's managed transaction, the outbox append);
 *   no-stacks   the same with Error.stackTraceLimit = 0, an experiment only: what the stack trace
 *               Sequelize captures for every query (`new Error()` in its Query.run) costs. The
 *               service never runs so (its errors need their stacks).
 * The variants take turns (A B C A B C …) so that a machine growing busier or quieter favours
 * none; each round prints a row, then the mean per variant.
 *
 *   npm run bench:store   BENCH_ROUNDS (3), BENCH_TRANSACTIONS (15000 per round), BENCH_CONNECTIONS (32),
 *                         BENCH_VARIANTS (pg,bookstore,no-stacks), BENCH_FSYNC=on|off
 */
import { loadavg } from 'node:os';
import { startBenchDatabase } from './bench-database';
import { treeCpuSeconds } from './cpu-time';
import { AddBook, addThroughBookStore, addThroughPg } from './floor-transactions';

const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const transactions = Number(process.env.BENCH_TRANSACTIONS ?? 15_000);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 32);
const variants = (process.env.BENCH_VARIANTS ?? 'pg,bookstore,no-stacks').split(',');
const fsync = (process.env.BENCH_FSYNC ?? 'off') === 'on';
const book = { title: 'Bench title', author: 'Bench author', price: 12.34 };

/** `count` transactions, `connections` at a time; CPU seconds of this process and of PostgreSQL, wall seconds. */
async function load(floor: AddBook, count: number, dbPid: number | undefined) {
  let started = 0;
  const worker = async () => {
    while (started < count) {
      started++;
      await floor.add(book);
    }
  };
  const db0 = dbPid ? treeCpuSeconds(dbPid) : NaN;
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: connections }, worker));
  const cpu = process.cpuUsage(cpu0);
  return { self: (cpu.user + cpu.system) / 1e6, db: (dbPid ? treeCpuSeconds(dbPid) : NaN) - db0, wall: Number(process.hrtime.bigint() - t0) / 1e9 };
}

async function main(): Promise<void> {
  const { pg, appUrl } = await startBenchDatabase({ fsync });
  const floors = new Map<string, AddBook>([['pg', addThroughPg(appUrl, 10)], ['bookstore', addThroughBookStore(appUrl, 10)]]);
  const sums = new Map<string, { self: number; n: number }>();
  try {
    console.log(`PostgreSQL ${pg.kind}, fsync=${fsync ? 'on' : 'off'}; ${connections} transactions at a time, ${transactions} per row; 1-min load average ${loadavg()[0].toFixed(2)}\n`);
    console.log('round  variant        tx/s   CPU per transaction (us): this process  PostgreSQL');
    for (const name of ['pg', 'bookstore']) await load(floors.get(name)!, 2_000, undefined); // warm-up: JIT, pools
    for (let round = 1; round <= rounds; round++) {
      for (const variant of variants) {
        const floor = floors.get(variant === 'no-stacks' ? 'bookstore' : variant);
        if (!floor) throw new Error(`unknown variant ${variant} (pg, bookstore, no-stacks)`);
        const limit = Error.stackTraceLimit;
        if (variant === 'no-stacks') Error.stackTraceLimit = 0;
        const r = await load(floor, transactions, pg.pid).finally(() => (Error.stackTraceLimit = limit));
        const s = sums.get(variant) ?? { self: 0, n: 0 };
        sums.set(variant, { self: s.self + r.self, n: s.n + transactions });
        const us = (x: number) => (x / transactions * 1e6).toFixed(0).padStart(8);
        console.log(`${String(round).padStart(5)}  ${variant.padEnd(10)} ${(transactions / r.wall).toFixed(0).padStart(8)}  ${' '.repeat(26)}${us(r.self)}${us(r.db).padStart(12)}`);
      }
    }
    console.log('\nmean per variant (CPU per transaction, this process):');
    for (const [variant, s] of sums) console.log(`  ${variant.padEnd(10)} ${(s.self / s.n * 1e6).toFixed(0).padStart(5)} us`);
  } finally {
    for (const floor of floors.values()) await floor.close();
    await pg.destroy();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
