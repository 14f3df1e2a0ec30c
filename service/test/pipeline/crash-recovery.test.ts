import { setTimeout as sleep } from 'node:timers/promises';
import { autoRestart, healConnector } from '../../../tools/stack/connector-healing';
import { Stack } from '../../../tools/stack/stack';
import { TopicReader, TopicRecord } from '../../../tools/stack/topic-reader';
import { expectRecordsMatchRows, outboxRows, usePipelineStack } from './support/pipeline-stack';
import { WriteLoad } from '../../../tools/chaos/load';

const fixture = usePipelineStack({ testTimeoutMs: 600_000 });
let stack: Stack;
let reader: TopicReader | undefined;
beforeAll(() => ({ stack } = fixture));

/** Writes go on while `crash` kills a component and brings it back; returns the writes acknowledged meanwhile. */
async function burstAcross(label: string, crash: () => Promise<void>): Promise<number> {
  // Eight clients, each sending as soon as its last answer came; half of the valid writes delete a book of the client's.
  const load = new WriteLoad({ serviceUrl: () => stack.service!.url, clients: 8, rate: Infinity, invalidShare: 0, deleteShare: 0.5, seed: 1, runId: label }).start();
  try {
    await load.untilAcknowledged(100);
    await crash();
    await load.untilAcknowledged(load.acknowledged() + 100);
  } finally {
    await load.stop(); // also when the crash was not healed: a load left running keeps jest from exiting
  }
  const ledger = load.ledger;
  expect(load.failures()).toEqual([]);
  return ledger.writes.length;
}

describe('nothing committed is lost when Connect or the broker is SIGKILLed (a process, or its container) mid-burst', () => {
  it('every committed event is on books.events afterwards; duplicates carry the same event id', async () => {
    const viaConnect = await burstAcross('connect-crash', async () => {
      await stack.connect.kill();
      // The service keeps committing while Connect is gone: the outbox only grows in PostgreSQL.
      await sleep(2000);
      await stack.connect.start();
      // Not only RUNNING (the status topic says so before the new task has its offsets): attached to the slot.
      await healConnector(stack, console.log);
    });

    const viaBroker = await burstAcross('broker-crash', async () => {
      await stack.kafka.kill();
      await sleep(2000);
      await stack.kafka.start();
      await healConnector(stack, console.log);
    });

    const rows = await outboxRows(stack.database.adminUrl);
    expect(rows.length).toBe(viaConnect + viaBroker);
    const byId = new Map(rows.map((r) => [r.id, r]));

    reader = fixture.track(await new TopicReader(stack.kafka.bootstrap, stack.topic).start());
    // A task that fails while catching up is restarted, as Strimzi's autoRestart does in the cluster.
    const restarter = autoRestart(stack, console.log);
    try {
      await reader.waitUntil(`all ${rows.length} committed events`, (records) => {
        const seen = new Set(records.map((r) => r.headers.id));
        return rows.every((row) => seen.has(row.id));
      }, 240_000);
    } finally {
      console.log(`crash recovery: connector restarted ${await restarter.stop()} time(s) while the topic caught up`);
    }

    const copies = new Map<string, TopicRecord[]>();
    for (const r of reader.records) copies.set(r.headers.id, [...(copies.get(r.headers.id) ?? []), r]);
    const duplicated = [...copies.values()].filter((c) => c.length > 1);
    const extra = duplicated.reduce((n, c) => n + c.length - 1, 0);
    console.log(`crash recovery: ${rows.length} committed events, ${reader.records.length} records, ` +
      `${duplicated.length} events delivered more than once (${extra} extra records)`);

    expect([...copies.keys()].filter((id) => !byId.has(id))).toEqual([]);
    expectRecordsMatchRows(reader.records, byId);
    // Per book, the first delivery of each event follows commit order: the add before the delete.
    const firstSeen = new Map<string, string[]>();
    for (const r of [...reader.records].sort((a, b) => a.partition - b.partition || a.offset - b.offset)) {
      const types = firstSeen.get(r.key!) ?? [];
      if (copies.get(r.headers.id)![0] === r) types.push(r.headers.type);
      firstSeen.set(r.key!, types);
    }
    for (const [key, types] of firstSeen) {
      expect({ key, types }).toEqual({ key, types: types.length === 2 ? ['BookAdded', 'BookDeleted'] : ['BookAdded'] });
    }
  });
});
