import { randomUUID } from 'node:crypto';
import { Consumer, Kafka, KafkaMessage, logLevel } from 'kafkajs';
import { pollUntil, waitFor } from './processes';

/** A record of books.events as the tools look at it. */
export interface TopicRecord {
  key: string | null;
  partition: number;
  offset: number;
  /** Record timestamp, epoch ms (the router sets it from outbox.occurred_at). */
  timestamp: number;
  headers: Record<string, string>;
  /** The value as text, exactly as on the topic. */
  raw: string | null;
  /** The value parsed as JSON; the text itself when it is not JSON (a mismatch for whoever compares). */
  value: unknown;
}

export function toTopicRecord(partition: number, message: KafkaMessage): TopicRecord {
  const raw = message.value?.toString() ?? null;
  let value: unknown = raw;
  try {
    value = raw === null ? null : JSON.parse(raw);
  } catch { /* kept as text */ }
  return {
    key: message.key?.toString() ?? null,
    partition,
    offset: Number(message.offset),
    timestamp: Number(message.timestamp),
    headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)])),
    raw,
    value,
  };
}

export interface TopicReaderOptions {
  /** Also names the consumer group: `<clientId>-<uuid>`, fresh each time, so no position others rely on is committed. */
  clientId?: string;
  /** From the beginning (default) or only records produced after the start. */
  fromBeginning?: boolean;
  maxWaitTimeInMs?: number;
  /** kafkajs's own logging (default: none). */
  logLevel?: logLevel;
  /** Keep every record in `records` (default); off for long runs that only count or print. */
  keep?: boolean;
  /** Called for each record as it is read, with the message as kafkajs gave it. */
  onRecord?: (record: TopicRecord, message: KafkaMessage) => void;
}

/** The one Kafka reader of the tooling: a fresh consumer group that reads a topic into memory and/or a callback. */
export class TopicReader {
  readonly records: TopicRecord[] = [];
  /** Next offset to read, per partition. */
  private readonly position = new Map<number, number>();
  private readonly kafka: Kafka;
  private consumer?: Consumer;

  constructor(
    bootstrap: string,
    readonly topic: string,
    private readonly options: TopicReaderOptions = {},
  ) {
    this.kafka = new Kafka({ clientId: options.clientId ?? 'book-topic-reader', brokers: [bootstrap], logLevel: options.logLevel ?? logLevel.NOTHING });
  }

  async start(): Promise<this> {
    const o = this.options;
    this.consumer = this.kafka.consumer({ groupId: `${o.clientId ?? 'book-topic-reader'}-${randomUUID()}`, maxWaitTimeInMs: o.maxWaitTimeInMs ?? 100 });
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.topic, fromBeginning: o.fromBeginning ?? true });
    await this.consumer.run({
      eachMessage: async ({ partition, message }) => {
        const record = toTopicRecord(partition, message);
        if (o.keep ?? true) this.records.push(record);
        this.position.set(partition, record.offset + 1);
        o.onRecord?.(record, message);
      },
    });
    return this;
  }

  /** Polls until `predicate` holds over the records read so far; fails naming `what` after `timeoutMs`. */
  async waitUntil(what: string, predicate: (records: TopicRecord[]) => boolean, timeoutMs = 120_000): Promise<void> {
    await waitFor(what, timeoutMs, () => predicate(this.records), { detail: () => `${this.records.length} records read` });
  }

  /** Reads on up to the partitions' end offsets as they are now (at most `timeoutMs`); false if it did not get there. */
  async readToEnd(timeoutMs = 60_000): Promise<boolean> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const ends = await admin.fetchTopicOffsets(this.topic);
      const { value } = await pollUntil(timeoutMs, () => ends.every((p) => (this.position.get(p.partition) ?? 0) >= Number(p.high)));
      return !!value;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect().catch(() => undefined);
  }
}
