import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { Stack } from '../../../tools/stack/stack';
import { usePipelineStack } from './support/pipeline-stack';
import { pollUntil } from '../../../tools/stack/processes';

const fixture = usePipelineStack();
let stack: Stack;
let db: Client;
beforeAll(() => ({ stack, db } = fixture));

async function topicEndOffsets(): Promise<string> {
  const admin = new Kafka({ brokers: [stack.kafka.bootstrap], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    return JSON.stringify((await admin.fetchTopicOffsets(stack.topic)).map((p) => [p.partition, p.high]));
  } finally {
    await admin.disconnect();
  }
}

describe('heartbeats while the outbox is idle', () => {
  it("keep the slot's confirmed_flush_lsn advancing while other tables change, and put nothing on books.events", async () => {
    const slot = stack.database.slot;
    const outboxBefore = (await db.query('SELECT count(*)::int AS n FROM outbox')).rows[0].n;
    const offsetsBefore = await topicEndOffsets();
    await db.query('CREATE TABLE unrelated_activity (id bigserial PRIMARY KEY, note text)');
    const write = () => db.query(`INSERT INTO unrelated_activity (note) SELECT repeat('x', 200) FROM generate_series(1, 500)`);
    await write();
    const { target } = (await db.query('SELECT pg_current_wal_lsn()::text AS target')).rows[0];
    const { start } = (await db.query('SELECT confirmed_flush_lsn::text AS start FROM pg_replication_slots WHERE slot_name = $1', [slot])).rows[0];

    let reached = false;
    await pollUntil(150_000, async () => {
      await write();
      const { rows } = await db.query(
        'SELECT confirmed_flush_lsn >= $2::pg_lsn AS reached, confirmed_flush_lsn::text AS now FROM pg_replication_slots WHERE slot_name = $1',
        [slot, target],
      );
      reached = rows[0].reached;
      return reached;
    }, { intervalMs: 1000 });
    const { now } = (await db.query('SELECT confirmed_flush_lsn::text AS now FROM pg_replication_slots WHERE slot_name = $1', [slot])).rows[0];
    expect({ slot, start, target, reached, now }).toMatchObject({ reached: true });

    expect((await db.query('SELECT count(*)::int AS n FROM outbox')).rows[0].n).toBe(outboxBefore);
    expect(await topicEndOffsets()).toBe(offsetsBefore);
  });
});
