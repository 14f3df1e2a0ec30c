import { IHeaders, KafkaMessage, Producer } from 'kafkajs';
import { PoisonReason } from './event-record';

/** Why a record was dead-lettered: its contract (PoisonReason), or applying it kept failing. */
export type DeadLetterReason = PoisonReason | 'apply-failed';

export const DEAD_LETTER_REASONS: readonly DeadLetterReason[] = [
  'missing-header', 'invalid-header', 'unknown-type', 'unparseable-json', 'invalid-value', 'apply-failed',
];

/** Headers the consumer adds to a dead-lettered record; the replay strips them (bin/catalog-dlq.ts). */
export const DLQ_HEADER_PREFIX = 'dlq.';

/** The group in which `node dist/bin/catalog-dlq.js replay` commits what it re-published: its lag is what is not replayed yet. */
export const DLQ_REPLAY_GROUP = 'book-catalog-dlq-replay';

export interface DeadLetter {
  message: Pick<KafkaMessage, 'key' | 'value' | 'headers' | 'offset'>;
  topic: string;
  partition: number;
  reason: DeadLetterReason;
  error: string;
  attempts: number;
}

/** The original key, value and headers, plus dlq.* headers naming the error and where the record came from. */
export function deadLetterRecord(letter: DeadLetter, groupId: string, now = new Date()): { key: Buffer | string | null; value: Buffer | string | null; headers: IHeaders } {
  const { message } = letter;
  const original = Object.fromEntries(Object.entries(message.headers ?? {}).filter(([name]) => !name.startsWith(DLQ_HEADER_PREFIX)));
  return {
    key: message.key,
    value: message.value,
    headers: {
      ...original,
      [`${DLQ_HEADER_PREFIX}reason`]: letter.reason,
      [`${DLQ_HEADER_PREFIX}error`]: letter.error.slice(0, 1000),
      [`${DLQ_HEADER_PREFIX}source.topic`]: letter.topic,
      [`${DLQ_HEADER_PREFIX}source.partition`]: String(letter.partition),
      [`${DLQ_HEADER_PREFIX}source.offset`]: message.offset,
      [`${DLQ_HEADER_PREFIX}attempts`]: String(letter.attempts),
      [`${DLQ_HEADER_PREFIX}consumer.group`]: groupId,
      [`${DLQ_HEADER_PREFIX}failed.at`]: now.toISOString(),
    },
  };
}

/** Sends dead letters and waits for every in-sync replica to have them (acks=-1) before the source offset may be committed. */
export class DeadLetterQueue {
  constructor(private readonly producer: Producer, readonly topic: string, private readonly groupId: string) {}

  async send(letter: DeadLetter): Promise<void> {
    await this.producer.send({ topic: this.topic, acks: -1, messages: [deadLetterRecord(letter, this.groupId)] });
  }
}
