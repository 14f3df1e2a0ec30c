import { Admin } from 'kafkajs';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { BookEventType } from '../contract/book-events';
import { DEAD_LETTER_REASONS, DeadLetterReason, DLQ_REPLAY_GROUP } from './dead-letter';

export interface ConsumerMetrics {
  registry: Registry;
  processed(type: BookEventType, count: number): void;
  duplicates(count: number): void;
  deadLettered(reason: DeadLetterReason): void;
  /** Seconds from a batch's arrival to the commit of its changes; each record's timestamp (its outbox commit, Unix ms). */
  applied(batchSeconds: number, recordTimestampsMs: number[]): void;
}

/**
 * The consumer's metrics. Lag per partition (end offset − committed offset of the group) and
 * the dead letters not yet replayed are read from Kafka on scrape, at most once a second;
 * while Kafka is unreachable they keep their last values.
 * `admin()`: the consumer's current admin client (it replaces its clients when it restarts).
 */
export function createConsumerMetrics(admin: () => Admin, topic: string, groupId: string, deadLetterTopic: string): ConsumerMetrics {
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
  const lastEvent = new Gauge({
    name: 'catalog_last_event_timestamp_seconds',
    help: 'Timestamp (the outbox commit, Unix seconds) of the newest event applied to the read model',
    registers: [registry],
  });
  let newestMs = 0;
  let lastRead = 0;
  let reading: Promise<void> | undefined;
  const readOnScrape = async () => {
    if (Date.now() - lastRead >= 1000) {
      lastRead = Date.now();
      reading ??= readKafka().then(() => undefined).finally(() => (reading = undefined));
    }
    await reading;
  };
  const lag: Gauge<'partition'> = new Gauge({
    name: 'catalog_consumer_lag',
    help: 'Records of the topic not yet committed by the consumer group, per partition',
    labelNames: ['partition'] as const,
    registers: [registry],
    collect: readOnScrape,
  });
  const unreplayed = new Gauge({
    name: 'catalog_dead_letters_unreplayed',
    help: `Records of the dead-letter topic not yet re-published by the replay (consumer group ${DLQ_REPLAY_GROUP})`,
    registers: [registry],
    collect: readOnScrape,
  });
  // Each read on its own: a missing dead-letter topic must not stop the lag from being read.
  const readKafka = () =>
    Promise.all([
      readConsumerLag(admin(), topic, groupId).then((partitions) => {
        for (const [partition, records] of partitions) lag.set({ partition: String(partition) }, records);
      }, () => undefined),
      readConsumerLag(admin(), deadLetterTopic, DLQ_REPLAY_GROUP).then((partitions) => {
        unreplayed.set([...partitions.values()].reduce((a, b) => a + b, 0));
      }, () => undefined),
    ]);

  return {
    registry,
    processed: (type, count) => count && processed.inc({ type }, count),
    duplicates: (count) => count && duplicates.inc(count),
    deadLettered: (reason) => deadLettered.inc({ reason }),
    applied(batchSeconds, timestamps) {
      const now = Date.now();
      for (const t of timestamps) {
        processing.observe(batchSeconds);
        age.observe(Math.max(0, (now - t) / 1000));
        if (t > newestMs) newestMs = t;
      }
      if (newestMs) lastEvent.set(newestMs / 1000);
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
