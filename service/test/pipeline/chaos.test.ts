import { outboxRetentionEnv } from '../../../tools/chaos/options';
import { formatReconciliation } from '../../../tools/chaos/report';
import { formatFaults, runChaos } from '../../../tools/chaos/run';
import { Stack } from '../../../tools/stack/stack';
import { usePipelineStack } from './support/pipeline-stack';

// The short, seeded version of `npm run chaos`: every fault once, a steady load throughout.
const SEED = 20261126;
const fixture = usePipelineStack({ serviceEnv: outboxRetentionEnv(3_600_000), testTimeoutMs: 900_000 });
let stack: Stack;
beforeAll(() => ({ stack } = fixture));

describe('chaos: service, Connect, broker, consumer broken (SIGKILL, or a container paused or restarted) and PostgreSQL restarted under a mixed write load', () => {
  it('reconciles client, database, topic and read model: nothing lost, nothing invented, order per book kept, applied once', async () => {
    const result = await runChaos(stack, {
      durationMs: 0,
      minRounds: 1,
      seed: SEED,
      clients: 6,
      rate: 30,
      invalidShare: 0.15,
      deleteShare: 0.35,
      gapMs: [2_000, 6_000],
      downMs: [500, 2_000],
      tailMs: 3_000,
      drainTimeoutMs: 300_000,
      log: (line) => process.env.PIPELINE_VERBOSE && console.log(line),
    });
    const r = result.reconciliation;
    console.log(`chaos (seed ${SEED}, Kafka and Connect as ${stack.mode.kafka === 'container' ? 'containers' : 'processes'}):\n${formatFaults(result.faults)}\n${formatReconciliation(r)}`);

    // Containers are broken otherwise than processes: the first round pauses Connect and restarts the broker.
    const platform = stack.mode.kafka === 'container' ? ['pause', 'restart'] : ['SIGKILL', 'SIGKILL'];
    expect(result.faults.map((f) => [f.fault, f.action])).toEqual([
      ['service', 'SIGKILL'], ['connect', platform[0]], ['broker', platform[1]], ['postgres', 'fast shutdown'], ['consumer', 'SIGKILL'],
    ]);
    expect(result.failures).toEqual([]);
    // The run exercised what it claims to: writes, deletes, rejected requests, and events for all of them.
    expect(r.acknowledged).toBeGreaterThan(0);
    expect(result.ledger.writes.some((w) => w.type === 'BookDeleted' && w.outcome === 'acknowledged')).toBe(true);
    expect(r.invalidRejected).toBeGreaterThan(0);
    expect(r.eventsExpected).toBe(r.acknowledged + r.unknownCommitted);
    expect(r.eventsFound).toBe(r.eventsExpected);
    // The read model applied every committed change once and equals the books table.
    expect(r.readModel).toEqual({
      eventsApplied: r.eventsExpected,
      readModelMissing: 0,
      readModelUnexplained: 0,
      doubleApplied: 0,
      catalogMismatched: 0,
      statsMismatched: 0,
    });
  });
});
