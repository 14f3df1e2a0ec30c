import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Stack } from '../stack/stack';
import { healConnector } from '../stack/connector-healing';
import { faultActions, FAULTS, FaultName, FaultRecord, injectFault } from './faults';
import { LoadLedger, prng, WriteLoad } from './load';
import { drainTopic, failures, readDatabase, readReadModel, reconcile, Reconciliation, waitForConsumer } from './reconcile';

export interface ChaosOptions {
  /** How long the load runs at least; faults keep coming in turn until then. */
  durationMs: number;
  /** Complete rounds of all faults at least (1 = every fault once), even if that outlasts durationMs. */
  minRounds: number;
  seed: number;
  clients: number;
  /** Requests per second over all clients. */
  rate: number;
  invalidShare: number;
  deleteShare: number;
  /** Quiet time between faults, drawn from [min, max] by the seeded schedule. */
  gapMs: [number, number];
  /** How long a component stays down. */
  downMs: [number, number];
  /** Load after the last fault, so the pipeline is seen working again under writes. */
  tailMs: number;
  drainTimeoutMs: number;
  faults?: readonly FaultName[];
  log: (line: string) => void;
}

export const DEFAULT_CHAOS: Omit<ChaosOptions, 'log'> = {
  durationMs: 180_000,
  minRounds: 1,
  seed: 1,
  clients: 8,
  rate: 60,
  invalidShare: 0.15,
  deleteShare: 0.35,
  gapMs: [5_000, 20_000],
  downMs: [500, 4_000],
  tailMs: 5_000,
  drainTimeoutMs: 300_000,
};

export interface ChaosResult {
  seed: number;
  faults: FaultRecord[];
  ledger: LoadLedger;
  reconciliation: Reconciliation;
  /** Empty when the run proves the guarantee. */
  failures: string[];
}

/** The consumer's KAFKA_GROUP_ID as the stack runs it (the default). */
const CONSUMER_GROUP = 'book-catalog';

/**
 * Drives the load, injects the faults in turn at seeded random moments, then drains the topic,
 * waits for the consumer to catch up and reconciles the four ledgers.
 */
export async function runChaos(stack: Stack, options: ChaosOptions): Promise<ChaosResult> {
  const o = options;
  if (!stack.service || !stack.consumer) throw new Error('the chaos run needs the stack to run the service and the consumer');
  const random = prng(o.seed);
  const between = ([min, max]: [number, number]) => Math.round(min + random() * (max - min));
  const faults = o.faults ?? FAULTS;
  const runId = `${o.seed}-${randomBytes(3).toString('hex')}`;
  const load = new WriteLoad({
    serviceUrl: () => stack.service!.url,
    clients: o.clients,
    rate: o.rate,
    invalidShare: o.invalidShare,
    deleteShare: o.deleteShare,
    seed: o.seed,
    runId,
  }).start();
  const started = Date.now();
  const elapsed = () => (Date.now() - started) / 1000;
  const progress = setInterval(() => o.log(`${elapsed().toFixed(0)} s: ${load.summary()}`), 15_000);
  const injected: FaultRecord[] = [];
  try {
    for (let i = 0; ; i++) {
      const roundsDone = Math.floor(i / faults.length);
      const gap = between(o.gapMs);
      if (roundsDone >= o.minRounds && Date.now() - started + gap > o.durationMs) break;
      await sleep(gap);
      const fault = faults[i % faults.length];
      const atSeconds = elapsed();
      const downMs = between(o.downMs);
      // Round after round, a container is broken in each of its ways in turn.
      const actions = faultActions(stack, fault);
      const action = actions[(roundsDone + FAULTS.indexOf(fault)) % actions.length];
      o.log(`${atSeconds.toFixed(1)} s: ${fault} ${action}, down for ${downMs} ms (${load.summary()})`);
      const record = { atSeconds, ...(await injectFault(stack, fault, action, downMs, o.log)) };
      injected.push(record);
      o.log(`${elapsed().toFixed(1)} s: ${fault} back, pipeline streaming again after ${record.recoveryMs} ms`);
    }
    await sleep(Math.max(o.tailMs, o.durationMs - (Date.now() - started)));
  } finally {
    clearInterval(progress);
    await load.stop(); // also when a fault was not healed: a load left running keeps the process alive
  }
  const ledger = load.ledger;
  o.log(`load stopped after ${elapsed().toFixed(0)} s: ${load.summary()}`);

  await healConnector(stack, o.log);
  const database = await readDatabase(stack.database.adminUrl);
  o.log(`database: ${database.outbox.length} outbox rows, ${database.books.length} books; draining ${stack.topic}`);
  const records = await drainTopic(stack.kafka.bootstrap, stack.topic, new Set(database.outbox.map((r) => r.id)), o.drainTimeoutMs, o.log);
  const lag = await waitForConsumer(stack.kafka.bootstrap, stack.topic, CONSUMER_GROUP, o.drainTimeoutMs, o.log);
  o.log(lag ? `consumer group ${CONSUMER_GROUP} still ${lag} records behind after ${o.drainTimeoutMs} ms` : `consumer group ${CONSUMER_GROUP} caught up; reading the read model`);
  const readModel = await readReadModel(stack.database.adminUrl, stack.catalog.adminUrl);
  const reconciliation = reconcile(ledger, database, records, readModel);
  return { seed: o.seed, faults: injected, ledger, reconciliation, failures: failures(reconciliation) };
}

export function formatFaults(faults: FaultRecord[]): string {
  return faults.map((f) =>
    `  ${f.atSeconds.toFixed(1).padStart(7)} s  ${f.fault.padEnd(8)}  ${f.action.padEnd(13)}  down ${String(f.downMs).padStart(5)} ms, streaming again after ${String(f.recoveryMs).padStart(6)} ms` +
    (f.connectorRestarts ? `, connector restarted ${f.connectorRestarts}×` : '')).join('\n');
}
