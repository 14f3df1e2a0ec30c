import { sample } from '../ops/local-status';
import { percentile } from '../stack/percentile';
import { startStack, Stack } from '../stack/stack';
import { TopicReader } from '../stack/topic-reader';
import { WriteLoad } from './load';
import { option, parseDuration, outboxRetentionEnv, parseNumber, stamp } from './options';
import { drainTopic, failures, readDatabase, reconcile } from './reconcile';
import { formatReconciliation } from './report';

const USAGE = `npm run soak -- [--duration=10m] [--rate=50] [--clients=4] [--interval=60s] [--seed=N]
  Starts the local stack (service from dist/, as deployed) and writes at a steady rate; every interval
  prints the service's RSS and heap, the commit-to-consume lag of the events read meanwhile, and the
  slot's retained WAL; then reconciles client, database and books.events. (Also SOAK_DURATION etc.)`;

interface Sample {
  minute: number;
  rssMiB: number;
  heapMiB: number;
  acknowledged: number;
  events: number;
  lagP50: number;
  lagP99: number;
  lagMax: number;
  retainedKiB: number;
  outboxRows: number;
}

const MiB = 1024 * 1024;

async function main(): Promise<number> {
  if (process.argv.includes('--help')) {
    console.log(USAGE);
    return 0;
  }
  const durationMs = parseDuration(option('duration', 'SOAK') ?? '10m', '--duration');
  const intervalMs = parseDuration(option('interval', 'SOAK') ?? '60s', '--interval');
  const rate = parseNumber(option('rate', 'SOAK'), '--rate', 50, 1, 5000);
  const clients = parseNumber(option('clients', 'SOAK'), '--clients', 4, 1, 256);
  const seed = parseNumber(option('seed', 'SOAK'), '--seed', 1, 0, 2 ** 31);
  const started = Date.now();
  const log = (line: string) => console.log(`${stamp(started)} ${line}`);
  if (process.env.BOOK_STACK_SERVICE !== 'dist') log('note: the service runs from sources through tsx (its RSS includes the compiler); `npm run soak` runs dist/');

  let stack: Stack | undefined;
  process.on('SIGINT', () => void (stack?.stop() ?? Promise.resolve()).finally(() => process.exit(130)));
  try {
    stack = await startStack({ log: (line) => log(`stack: ${line}`), serviceEnv: outboxRetentionEnv(durationMs) });
    const s = stack;
    const serviceUrl = s.service!.url;

    // A live consumer: lag = when a record is read − its timestamp (the outbox row's occurred_at, set by the EventRouter).
    let lags: number[] = [];
    let events = 0;
    const reader = await new TopicReader(s.kafka.bootstrap, s.topic, {
      clientId: 'soak',
      keep: false,
      onRecord: (record) => {
        lags.push(Date.now() - record.timestamp);
        events++;
      },
    }).start();

    log(`soak: ${durationMs / 1000} s at ${rate} requests/s over ${clients} clients (5% invalid, 35% of valid ones deletes), a sample every ${intervalMs / 1000} s`);
    const load = new WriteLoad({ serviceUrl: () => serviceUrl, clients, rate, invalidShare: 0.05, deleteShare: 0.35, seed, runId: `soak-${seed}` }).start();
    const samples: Sample[] = [];
    const header = '  minute   RSS MiB  heap MiB  acked/int  events/int  lag p50 ms  lag p99 ms  lag max ms  slot retained KiB  outbox rows';
    console.log(`${header}\n  (acked/int, events/int: writes acknowledged and records read during each interval)`);
    let acknowledgedBefore = 0;
    let eventsBefore = 0;
    const loadStarted = Date.now();
    while (Date.now() - loadStarted < durationMs) {
      await new Promise((r) => setTimeout(r, Math.min(intervalMs, durationMs - (Date.now() - loadStarted))));
      const metrics = await (await fetch(`${serviceUrl}/metrics`)).text();
      const window = lags.sort((a, b) => a - b);
      lags = [];
      const acknowledged = load.ledger.writes.filter((w) => w.outcome === 'acknowledged').length;
      const row: Sample = {
        minute: (Date.now() - loadStarted) / 60_000,
        rssMiB: (sample(metrics, 'process_resident_memory_bytes') ?? NaN) / MiB,
        heapMiB: (sample(metrics, 'nodejs_heap_size_used_bytes') ?? NaN) / MiB,
        acknowledged: acknowledged - acknowledgedBefore,
        events: events - eventsBefore,
        lagP50: percentile(window, 50),
        lagP99: percentile(window, 99),
        lagMax: window[window.length - 1] ?? NaN,
        retainedKiB: (sample(metrics, 'cdc_slot_retained_wal_bytes') ?? NaN) / 1024,
        outboxRows: sample(metrics, 'outbox_rows') ?? NaN,
      };
      acknowledgedBefore = acknowledged;
      eventsBefore = events;
      samples.push(row);
      console.log([
        row.minute.toFixed(1).padStart(8), row.rssMiB.toFixed(1).padStart(9), row.heapMiB.toFixed(1).padStart(9),
        String(row.acknowledged).padStart(10), String(row.events).padStart(11), String(row.lagP50).padStart(11),
        String(row.lagP99).padStart(11), String(row.lagMax).padStart(11), row.retainedKiB.toFixed(0).padStart(18), String(row.outboxRows).padStart(12),
      ].join(''));
    }
    const ledger = await load.stop();
    await reader.stop();

    const rss = samples.map((x) => x.rssMiB);
    const third = Math.max(1, Math.floor(rss.length / 3));
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    log(`service RSS (MiB): ${rss.map((x) => x.toFixed(0)).join(' → ')}; first third mean ${mean(rss.slice(0, third)).toFixed(1)}, ` +
      `last third mean ${mean(rss.slice(-third)).toFixed(1)}, max ${Math.max(...rss).toFixed(1)}`);

    const database = await readDatabase(s.database.adminUrl);
    log(`database: ${database.outbox.length} outbox rows; draining ${s.topic}`);
    const records = await drainTopic(s.kafka.bootstrap, s.topic, new Set(database.outbox.map((r) => r.id)), 300_000, log);
    const r = reconcile(ledger, database, records);
    console.log(`\nreconciliation: client ledger × database (books + outbox) × ${s.topic}\n${formatReconciliation(r)}\n`);
    const bad = failures(r);
    console.log(bad.length ? `FAILED: ${bad.join('; ')}` : 'OK: nothing lost, nothing unexpected, order per book kept.');
    return bad.length ? 1 : 0;
  } finally {
    await stack?.stop();
  }
}

main().then((code) => process.exit(code), (error: unknown) => {
  console.error(`soak failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
  process.exit(2);
});
