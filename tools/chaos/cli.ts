import { startStack, Stack } from '../stack/stack';
import { FAULTS } from './faults';
import { option, parseDuration, outboxRetentionEnv, parseNumber, stamp } from './options';
import { formatReconciliation } from './report';
import { DEFAULT_CHAOS, formatFaults, runChaos } from './run';

const USAGE = `npm run chaos -- [--duration=3m] [--seed=N] [--clients=8] [--rate=60] [--invalid-share=0.15] [--delete-share=0.35]
  Starts the local stack, writes at a steady rate while breaking and restarting, in turn and at seeded
  random moments, the service, the Connect worker, the Kafka broker, PostgreSQL (a fast shutdown) and the
  book-catalog consumer (processes SIGKILLed; Kafka and Connect containers, with BOOK_KAFKA, killed,
  paused or restarted in turn); then drains books.events, waits for the consumer to catch up and reconciles
  client, database, topic and read model. Exit code 1 when an event is missing or unexpected, order is
  broken, or the ledgers disagree. (Also CHAOS_DURATION etc.)`;

async function main(): Promise<number> {
  if (process.argv.includes('--help')) {
    console.log(USAGE);
    return 0;
  }
  const d = DEFAULT_CHAOS;
  const durationMs = parseDuration(option('duration', 'CHAOS') ?? '3m', '--duration');
  const seed = parseNumber(option('seed', 'CHAOS'), '--seed', Math.floor(Math.random() * 1_000_000), 0, 2 ** 31);
  const options = {
    ...d,
    durationMs,
    seed,
    clients: parseNumber(option('clients', 'CHAOS'), '--clients', d.clients, 1, 256),
    rate: parseNumber(option('rate', 'CHAOS'), '--rate', d.rate, 1, 5000),
    invalidShare: parseNumber(option('invalid-share', 'CHAOS'), '--invalid-share', d.invalidShare, 0, 0.9),
    deleteShare: parseNumber(option('delete-share', 'CHAOS'), '--delete-share', d.deleteShare, 0, 0.9),
  };
  const started = Date.now();
  const log = (line: string) => console.log(`${stamp(started)} ${line}`);
  log(`chaos run: seed ${seed} (repeat with --seed=${seed}), ${durationMs / 1000} s, ${options.clients} clients at ${options.rate} req/s, ` +
    `${options.invalidShare * 100}% invalid; faults in turn: ${FAULTS.join(', ')}`);

  let stack: Stack | undefined;
  const stop = async () => {
    await stack?.stop();
  };
  process.on('SIGINT', () => void stop().finally(() => process.exit(130)));
  try {
    stack = await startStack({ log: (line) => log(`stack: ${line}`), serviceEnv: outboxRetentionEnv(durationMs) });
    const result = await runChaos(stack, { ...options, log });
    console.log(`\nfaults injected (seed ${seed}):\n${formatFaults(result.faults)}\n`);
    console.log(`reconciliation: client ledger × database (books + outbox) × ${stack.topic} × read model (${stack.catalog.name})\n${formatReconciliation(result.reconciliation)}\n`);
    if (result.failures.length) {
      console.log(`FAILED: ${result.failures.join('; ')}  (seed ${seed})`);
      return 1;
    }
    console.log(`OK: every committed change is on ${stack.topic} exactly as committed, in order per book, and applied once to the read model; nothing else is.`);
    return 0;
  } finally {
    await stop();
  }
}

main().then((code) => process.exit(code), (error: unknown) => {
  console.error(`chaos run failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
  process.exit(2);
});
