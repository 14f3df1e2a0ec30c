import { Admin } from 'kafkajs';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { BookEventType } from '../contract/book-events';
import { DEAD_LETTER_REASONS, DeadLetterReason } from './dead-letter';

export interface ConsumerMetrics {
  registry: Registry;
  processed(type: BookEventType, count: number): void;
  duplicates(count: number): void;
  deadLettered(reason: DeadLetterReason): void;
  /** Seconds from a batch's arrival, and from each record's timestamp (its outbox commit), to the commit of its change. */
  applied(batchSeconds: number, recordAgesSeconds: number[]): void;
}

/**
 * The consumer's metrics. Lag per partition (end offset − committed offset of the group)
 * is read from Kafka on scrape, at most once a second; while Kafka is unreachable it keeps
 * its last values.
 */
/** `admin()`: the consumer's current admin client (it replaces its clients when it restarts). */
export function createConsumerMetrics(admin: () => Admin, topic: string, groupId: string): ConsumerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const processed = new Counter({ name: 'catalog_events_processed_total', help: 'Events applied to the read model, by type', labelNames: ['type'] as const, registers: [registry] });
  const duplicates = new Counter({ name: 'catalog_events_duplicate_total', help: 'Events skipped because the inbox already held their id', registers: [registry] });
  const deadLettered = new Counter({ name: 'catalog_events_dead_lettered_total', help: 'Records sent to the dead-letter topic, by reason', labelNames: ['reason'] as const, registers: [registry] });
  const processing = new Histogram({
    name: 'catalog_event_processing_seconds',
    help: 'From the arrival of a batch to the commit of its events in the read model, per event',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const age = new Histogram({
    name: 'catalog_event_age_seconds',
    help: 'From the record timestamp (the outbox commit) to the commit of its change in the read model',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });
  // Every series from the start, so that a rate or an alert sees 0 rather than nothing.
  for (const type of ['BookAdded', 'BookDeleted']) processed.inc({ type }, 0);
  for (const reason of DEAD_LETTER_REASONS) deadLettered.inc({ reason }, 0);
  let lastRead = 0;
  let reading: Promise<void> | undefined;
  const lag: Gauge<'partition'> = new Gauge({
    name: 'catalog_consumer_lag',
    help: 'Records of the topic not yet committed by the consumer group, per partition',
    labelNames: ['partition'] as const,
    registers: [registry],
    async collect() {
      if (Date.now() - lastRead >= 1000) {
        lastRead = Date.now();
        reading ??= readLag().catch(() => undefined).finally(() => (reading = undefined));
      }
      await reading;
    },
  });
  const readLag = async () => {
    for (const [partition, records] of await readConsumerLag(admin(), topic, groupId)) lag.set({ partition: String(partition) }, records);
  };

  return {
    registry,
    processed: (type, count) => count && processed.inc({ type }, count),
    duplicates: (count) => count && duplicates.inc(count),
    deadLettered: (reason) => deadLettered.inc({ reason }),
    applied(batchSeconds, ages) {
      for (const a of ages) {
        processing.observe(batchSeconds);
        age.observe(Math.max(0, a));
      }
    },
  };
}

/** Records of `topic` not yet committed by `groupId`, per partition (end offset − committed offset, or − the log start before any commit). */
export async function readConsumerLag(admin: Admin, topic: string, groupId: string): Promise<Map<number, number>> {
  const [ends, [committed]] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId, topics: [topic] })]);
  const done = new Map(committed.partitions.map((p) => [p.partition, Number(p.offset)]));
  return new Map(ends.map((p) => {
    const position = done.get(p.partition) ?? -1;
    return [p.partition, Number(p.high) - (position >= 0 ? position : Number(p.low))];
  }));
}
