import { randomUUID } from 'node:crypto';
import { Consumer, Kafka, logLevel } from 'kafkajs';

export interface EventRecord {
  key: string | null;
  partition: number;
  offset: number;
  /** Record timestamp, epoch ms (the router sets it from outbox.occurred_at). */
  timestamp: number;
  headers: Record<string, string>;
  /** The value as text, exactly as on the topic. */
  raw: string | null;
  value: unknown;
}

/** Reads books.events from the beginning into memory, with a fresh consumer group. */
export class EventReader {
  readonly records: EventRecord[] = [];
  private consumer?: Consumer;

  constructor(private readonly bootstrap: string, private readonly topic: string) {}

  async start(): Promise<this> {
    const kafka = new Kafka({ clientId: 'pipeline-test', brokers: [this.bootstrap], logLevel: logLevel.NOTHING });
    this.consumer = kafka.consumer({ groupId: `pipeline-test-${randomUUID()}`, maxWaitTimeInMs: 100 });
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.topic, fromBeginning: true });
    await this.consumer.run({
      eachMessage: async ({ partition, message }) => {
        const raw = message.value?.toString() ?? null;
        this.records.push({
          key: message.key?.toString() ?? null,
          partition,
          offset: Number(message.offset),
          timestamp: Number(message.timestamp),
          headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)])),
          raw,
          value: raw === null ? null : JSON.parse(raw),
        });
      },
    });
    return this;
  }

  /** Polls until `predicate` holds over the records read so far; fails naming `what` after `timeoutMs`. */
  async waitUntil(what: string, predicate: (records: EventRecord[]) => boolean, timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this.records)) {
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (${this.records.length} records read)`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }
}
