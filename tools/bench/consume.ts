/**
 * Read-model yardstick on the local stack (the book-catalog consumer, service/src/catalog):
 *  (a) commit-to-read-model latency p50/p95/p99/max while POST /books runs at a steady
 *      BENCH_RATE writes/s (default 200) for BENCH_SECONDS (default 30): the commit time is
 *      when the 201 arrives, the visible time when the row shows in catalog_books (polled
 *      every few ms with an indexed query);
 *  (b) catch-up rate over a BENCH_BACKLOG-event backlog (default 20,000) written while the
 *      consumer is stopped, with the service's own INSERT statement, once it is all on the topic.
 * Figures are printed even when they miss the targets (p99 <= 250 ms, catch-up >= 3,000 events/s).
 *
 *   npm run bench:consume
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { pollUntil, waitFor } from '../stack/processes';
import { Stack, startStack } from '../stack/stack';
import { BenchBook, latencySummary, steadyWrites, writeBacklog, writesSummary } from './book-writes';

const rate = Number(process.env.BENCH_RATE ?? 200);
const seconds = Number(process.env.BENCH_SECONDS ?? 30);
const backlog = Number(process.env.BENCH_BACKLOG ?? 20_000);

/** Twenty authors: author_stats is written as it would be, not as one hot row. */
const book: BenchBook = (i) => ({ title: `Bench ${i}`, author: `Bench author ${i % 20}`, price: 12.34 });

/**
 * Polls catalog_books for rows above `floor` (the highest id below which every row was
 * seen; book ids come from one sequence, and partitions may apply them out of order) and
 * records when each id first shows.
 */
class CatalogWatcher {
  readonly visibleAt = new Map<string, number>();
  private floor = 0;
  private running = true;
  private loop?: Promise<void>;

  constructor(private readonly db: Client) {}

  async start(): Promise<this> {
    this.floor = Number((await this.db.query('SELECT coalesce(max(id), 0) AS max FROM catalog_books')).rows[0].max);
    this.loop = (async () => {
      while (this.running) {
        const { rows } = await this.db.query<{ id: number }>('SELECT id FROM catalog_books WHERE id > $1 ORDER BY id', [this.floor]);
        const now = performance.now();
        for (const { id } of rows) if (!this.visibleAt.has(String(id))) this.visibleAt.set(String(id), now);
        while (this.visibleAt.has(String(this.floor + 1))) this.floor++;
        await sleep(2);
      }
    })();
    return this;
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }
}

async function latency(stack: Stack, catalog: Client): Promise<void> {
  const url = stack.service!.url;
  const watcher = await new CatalogWatcher(catalog).start();
  try {
    await measureLatency(url, watcher);
  } finally {
    await watcher.stop();
  }
}

async function measureLatency(url: string, watcher: CatalogWatcher): Promise<void> {
  // Warm-up at the same rate, not measured: the consumer has its partitions, the JVMs' JIT has compiled the hot paths.
  const warmupSeconds = Number(process.env.BENCH_WARMUP_SECONDS ?? 5);
  const warm = new Set<string>();
  await steadyWrites(url, rate, warmupSeconds, (id) => warm.add(id), book);
  await waitFor('the warm-up books in catalog_books', 120_000, () => [...warm].every((id) => watcher.visibleAt.has(id)), 50);

  const committedAt = new Map<string, number>();
  const writes = await steadyWrites(url, rate, seconds, (id, at) => committedAt.set(id, at), book);
  await pollUntil(60_000, () => [...committedAt.keys()].every((id) => watcher.visibleAt.has(id)), { intervalMs: 50 });

  // A row visible before its 201 was read counts as 0 ms.
  const latencies = [...committedAt].filter(([id]) => watcher.visibleAt.has(id)).map(([id, t]) => Math.max(0, watcher.visibleAt.get(id)! - t));
  console.log(`\n(a) commit-to-read-model latency ${writesSummary(rate, seconds, warmupSeconds, writes)}`);
  console.log(`    books measured ${latencies.length}/${committedAt.size}`);
  console.log(`    ${latencySummary(latencies)}   (target p99 <= 250 ms)`);
}

async function catchUp(stack: Stack, catalog: Client): Promise<void> {
  const admin = new Kafka({ clientId: 'bench-consume', brokers: [stack.kafka.bootstrap], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  const onTopic = async () => (await admin.fetchTopicOffsets(stack.topic)).reduce((n, p) => n + Number(p.high), 0);
  const inbox = async () => Number((await catalog.query('SELECT count(*) AS n FROM inbox')).rows[0].n);
  try {
    await stack.consumer!.stop();
    const topicBefore = await onTopic();
    const writeStarted = performance.now();
    const writeSeconds = await writeBacklog(stack.database.appUrl, backlog, (i) => ({ ...book(i), title: `Backlog ${i}` }));
    await waitFor('the backlog on the topic', 15 * 60_000, async () => (await onTopic()) >= topicBefore + backlog, 250);
    const onTopicSeconds = (performance.now() - writeStarted) / 1000;
    console.log(`\n(b) backlog of ${backlog} events written in ${writeSeconds.toFixed(1)} s with the consumer stopped, all on ${stack.topic} after ${onTopicSeconds.toFixed(1)} s`);
    const target = (await inbox()) + backlog;

    const started = performance.now();
    await stack.consumer!.start(); // resolves once /readyz is 200: the process runs and has joined the group
    const ready = performance.now();
    let lastReport = ready;
    await waitFor('the backlog in the inbox', 15 * 60_000, async () => (await inbox()) >= target, {
      intervalMs: 100,
      onPoll: () => {
        if (performance.now() - lastReport < 5000) return;
        lastReport = performance.now();
        void inbox().then((n) => console.log(`    … ${n - (target - backlog)} applied`));
      },
    });
    const done = performance.now();
    // The database's own clock: from the first to the last of the backlog's inbox rows.
    const { rows: [span] } = await catalog.query<{ seconds: number }>(
      'SELECT extract(epoch FROM max(applied_at) - min(applied_at))::float8 AS seconds FROM (SELECT applied_at FROM inbox ORDER BY applied_at DESC LIMIT $1) AS last',
      [backlog]);
    const total = (done - started) / 1000;
    console.log(`    consumer started and ready (group joined) in ${((ready - started) / 1000).toFixed(1)} s; all ${backlog} in the inbox ${total.toFixed(1)} s after the start`);
    console.log(`    catch-up ${(backlog / total).toFixed(0)} events/s from the consumer's start, ${((backlog - 1) / span.seconds).toFixed(0)} events/s once applying   (target >= 3000 events/s)`);
  } finally {
    await admin.disconnect();
  }
}

async function main(): Promise<void> {
  const stack = await startStack({ fsync: true, log: (line) => console.log(`[stack] ${line}`) });
  const stop = () => void stack.stop().finally(() => process.exit(130));
  process.once('SIGINT', stop);
  const catalog = new Client({ connectionString: stack.catalog.adminUrl });
  try {
    await catalog.connect();
    console.log(`Kafka ${stack.versions.kafka}, ${stack.topic} → book-catalog consumer (${process.env.BOOK_STACK_SERVICE === 'dist' ? 'dist/bin/book-catalog.js' : 'tsx'}) → database ${stack.catalog.name}`);
    // A failed latency run (e.g. 503s from an overloaded machine) still leaves the catch-up to measure.
    await latency(stack, catalog).catch((error: unknown) => console.log(`\n(a) failed: ${error instanceof Error ? error.message : String(error)}`));
    await catchUp(stack, catalog);
  } finally {
    await catalog.end().catch(() => undefined);
    await stack.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
