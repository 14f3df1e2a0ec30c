/**
 * Delivery yardstick (docs/design.md#performance-yardsticks) on the local stack:
 *  (a) commit-to-consume latency p50/p95/p99 of BookAdded events while POST /books runs
 *      at a steady BENCH_RATE writes/s (default 1000) for BENCH_SECONDS (default 30); the
 *      commit time is when the 201 arrives (the service answers right after COMMIT);
 *  (b) drain rate of a BENCH_BACKLOG-event backlog (default 50,000) written while the
 *      connector is stopped, with the service's own INSERT statement, one event per transaction;
 *      twice: the first drain runs Connect's batch paths for the first time (the JIT compiles
 *      them meanwhile), the second is a drain by a Connect that has drained before.
 * Each prints the CPU time of every process by part over its measured window (cpu-breakdown.ts).
 * Figures are printed even when they miss the targets (p99 <= 100 ms at 1,000 writes/s, drain >= 20,000 events/s).
 * Tuning belongs in strimzi/kafka-connector.yaml, not here.
 *
 *   npm run bench:cdc
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { pollUntil, waitFor } from '../stack/processes';
import { Stack, startStack } from '../stack/stack';
import { TopicReader } from '../stack/topic-reader';
import { formatCpuBreakdown, sampleCpu } from './cpu-breakdown';
import { latencySummary, steadyWrites, writeBacklog, writesSummary } from './book-writes';

/** The stack's container processes (processes are this one's children and counted anyway). */
const stackPids = (stack: Stack) => [stack.postgres.pid, stack.kafka.pid, stack.connect.pid];

const rate = Number(process.env.BENCH_RATE ?? 1000);
const seconds = Number(process.env.BENCH_SECONDS ?? 30);
const backlog = Number(process.env.BENCH_BACKLOG ?? 50_000);

/** A reader from the end of books.events that calls `onRecord(key, receivedAt)` for every record. */
function follow(stack: Stack, onRecord: (key: string, at: number) => void): Promise<TopicReader> {
  return new TopicReader(stack.kafka.bootstrap, stack.topic, {
    clientId: 'bench-cdc',
    fromBeginning: false,
    maxWaitTimeInMs: 50,
    keep: false,
    onRecord: (record) => onRecord(record.key ?? '', performance.now()),
  }).start();
}

async function latency(stack: Stack): Promise<void> {
  const url = stack.service!.url;
  const committedAt = new Map<string, number>();
  const receivedAt = new Map<string, number>();
  const consumer = await follow(stack, (key, at) => receivedAt.set(key, at));
  // Warm-up at the same rate, not measured: the reader is assigned and the JVMs' JIT has compiled
  // the hot paths. After 5 s the JIT compilers still took 15% of the machine during the measured
  // 30 s (docs/performance.md, CDC path); after 30 s, 7%.
  const warmupSeconds = Number(process.env.BENCH_WARMUP_SECONDS ?? 30);
  const warm = new Set<string>();
  await steadyWrites(url, rate, warmupSeconds, (id) => warm.add(id));
  await waitFor('the warm-up events', 120_000, () => [...warm].every((id) => receivedAt.has(id)), 50);

  const [cpu0, t0] = [sampleCpu(stackPids(stack)), performance.now()];
  const writes = await steadyWrites(url, rate, seconds, (id, at) => committedAt.set(id, at));
  await pollUntil(60_000, () => [...committedAt.keys()].every((id) => receivedAt.has(id)), { intervalMs: 50 });
  const [cpu1, t1] = [sampleCpu(stackPids(stack)), performance.now()];
  await consumer.stop();

  // A record handled before its 201 was read counts as 0 ms.
  const latencies = [...committedAt].filter(([id]) => receivedAt.has(id)).map(([id, t]) => Math.max(0, receivedAt.get(id)! - t));
  console.log(`\n(a) commit-to-consume latency ${writesSummary(rate, seconds, warmupSeconds, writes)}`);
  console.log(`    events measured ${latencies.length}/${committedAt.size}`);
  console.log(`    ${latencySummary(latencies)}   (target p99 <= 100 ms at 1000 writes/s)`);
  console.log(`    CPU from the first measured write to the last event received, per process and part (${committedAt.size} writes):`);
  console.log(formatCpuBreakdown(cpu0, cpu1, (t1 - t0) / 1000, committedAt.size, 'write'));
}

async function drain(stack: Stack, label: string): Promise<void> {
  await stack.connector.stop();
  await stack.connector.waitFor('STOPPED');
  const writeSeconds = await writeBacklog(stack.database.appUrl, backlog);
  console.log(`\n${label} backlog of ${backlog} events written in ${writeSeconds.toFixed(1)} s with the connector stopped`);

  let received = 0;
  let first = 0;
  let last = 0;
  const consumer = await follow(stack, (_key, at) => {
    if (received++ === 0) first = at;
    last = at;
  });
  await sleep(2000); // let the consumer's group settle at the end of the topic
  const [cpu0, resumed] = [sampleCpu(stackPids(stack)), performance.now()];
  await stack.connector.resume();
  let lastReport = resumed;
  await pollUntil(15 * 60_000, () => received >= backlog, {
    intervalMs: 100,
    onPoll: () => {
      if (performance.now() - lastReport < 5000) return;
      lastReport = performance.now();
      console.log(`    … ${received} received`);
    },
  });
  const [cpu1, done] = [sampleCpu(stackPids(stack)), performance.now()];
  await consumer.stop();
  const total = (last - resumed) / 1000;
  const streaming = (last - first) / 1000;
  console.log(`    received ${received}/${backlog}; first record ${((first - resumed) / 1000).toFixed(1)} s after resume`);
  console.log(`    drain rate ${(received / total).toFixed(0)} events/s from resume, ${((received - 1) / streaming).toFixed(0)} events/s once streaming   (target >= 20000 events/s)`);
  console.log(`    CPU from resume to the last event received, per process and part:`);
  console.log(formatCpuBreakdown(cpu0, cpu1, (done - resumed) / 1000, received, 'event'));
}

async function main(): Promise<void> {
  // The consumer is not on this path (commit → topic); it would only take CPU from it.
  const stack = await startStack({ fsync: true, consumerPort: 0, log: (line) => console.log(`[stack] ${line}`) });
  const stop = () => void stack.stop().finally(() => process.exit(130));
  process.once('SIGINT', stop);
  try {
    console.log(`Kafka ${stack.versions.kafka}, Debezium ${stack.versions.debezium}, connector config from strimzi/kafka-connector.yaml`);
    await latency(stack);
    await drain(stack, '(b) first drain:');
    await drain(stack, '(b) second drain:');
  } finally {
    await stack.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
