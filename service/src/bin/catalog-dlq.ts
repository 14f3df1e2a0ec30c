import { parseArgs } from 'node:util';
import { randomUUID } from 'node:crypto';
import { IHeaders, Kafka, KafkaMessage, logLevel, Partitioners } from 'kafkajs';
import { headerText } from '../consumer/event-record';
import { DLQ_HEADER_PREFIX, DLQ_REPLAY_GROUP } from '../consumer/dead-letter';

/**
 * `node dist/bin/catalog-dlq.js list|replay [--dry-run]` (npm run dlq -- …): looks at the
 * dead-letter topic, or re-publishes its records to the topic they came from, after a fix.
 *
 * replay reads with its own consumer group (book-catalog-dlq-replay) up to the end of the
 * topic as it was at the start, and commits each record's offset after the broker has
 * acknowledged its copy (acks=-1): every dead letter is replayed once, also across runs
 * and interruptions (at worst one is replayed twice, which the consumer's inbox absorbs).
 * A replayed record carries its original key, value and headers, without the dlq.* ones.
 */
interface Options {
  brokers: string[];
  topic: string;
  command: 'list' | 'replay';
  dryRun: boolean;
}

function options(argv: string[], env = process.env): Options {
  const { values, positionals } = parseArgs({ args: argv, options: { 'dry-run': { type: 'boolean', default: false } }, allowPositionals: true });
  const command = positionals[0] ?? 'list';
  if (command !== 'list' && command !== 'replay') throw new Error(`unknown command "${command}": use list or replay [--dry-run]`);
  const brokers = (env.KAFKA_BOOTSTRAP_SERVERS ?? '').split(',').map((b) => b.trim()).filter(Boolean);
  if (!brokers.length) throw new Error('KAFKA_BOOTSTRAP_SERVERS is required (host:port[,host:port…])');
  return { brokers, topic: env.KAFKA_DLQ_TOPIC || 'books.events.dlq', command, dryRun: values['dry-run'] };
}

/** The record as it was before it was dead-lettered, and where it came from. */
function originalRecord(message: Pick<KafkaMessage, 'key' | 'value' | 'headers'>): { topic?: string; headers: IHeaders } {
  const headers = Object.fromEntries(Object.entries(message.headers ?? {}).filter(([name]) => !name.startsWith(DLQ_HEADER_PREFIX)));
  return { topic: headerText(message.headers, `${DLQ_HEADER_PREFIX}source.topic`), headers };
}

function describe(partition: number, message: KafkaMessage): string {
  const h = (name: string) => headerText(message.headers, `${DLQ_HEADER_PREFIX}${name}`) ?? '?';
  return `${partition}/${message.offset}  ${h('reason')} (${h('attempts')} attempt(s), ${h('failed.at')}) from ${h('source.topic')} ` +
    `${h('source.partition')}/${h('source.offset')}\n    error: ${h('error')}\n    key=${message.key?.toString() ?? 'null'} ` +
    `id=${headerText(message.headers, 'id') ?? '-'} type=${headerText(message.headers, 'type') ?? '-'} value=${message.value?.toString().slice(0, 300) ?? 'null'}`;
}

async function main(): Promise<void> {
  const o = options(process.argv.slice(2));
  const kafka = new Kafka({ clientId: 'book-catalog-dlq', brokers: o.brokers, logLevel: logLevel.ERROR });
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map((await admin.fetchTopicOffsets(o.topic)).map((p) => [p.partition, Number(p.high)]));
  const committing = o.command === 'replay' && !o.dryRun;
  // Only a replay that publishes moves its group's position; looking uses a throwaway group.
  const groupId = committing ? DLQ_REPLAY_GROUP : `book-catalog-dlq-look-${randomUUID()}`;
  const start = new Map<number, number>();
  for (const [partition] of ends) start.set(partition, 0);
  if (o.command === 'replay') {
    const [committed] = await admin.fetchOffsets({ groupId: DLQ_REPLAY_GROUP, topics: [o.topic] });
    for (const p of committed.partitions) if (Number(p.offset) >= 0) start.set(p.partition, Number(p.offset));
  }
  await admin.disconnect();
  const remaining = [...ends].filter(([p, end]) => end > (start.get(p) ?? 0));
  const total = remaining.reduce((n, [p, end]) => n + end - (start.get(p) ?? 0), 0);
  console.log(`${o.topic}: ${total} record(s) to ${o.command === 'list' ? 'list' : o.dryRun ? 'replay (dry run)' : 'replay'}`);
  if (!total) return;

  const producer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 500 });
  await Promise.all([producer.connect(), consumer.connect()]);
  let handled = 0;
  const reached = new Set<number>();
  try {
    await consumer.subscribe({ topic: o.topic, fromBeginning: true });
    const finished = new Promise<void>((resolve, reject) => {
      consumer.run({
        autoCommit: false,
        eachMessage: async ({ partition, message }) => {
          const end = ends.get(partition) ?? 0;
          if (Number(message.offset) >= end || Number(message.offset) < (start.get(partition) ?? 0)) return;
          console.log(describe(partition, message));
          if (o.command === 'replay') {
            const { topic, headers } = originalRecord(message);
            if (!topic) throw new Error(`${partition}/${message.offset} has no ${DLQ_HEADER_PREFIX}source.topic header`);
            if (!o.dryRun) {
              await producer.send({ topic, acks: -1, messages: [{ key: message.key, value: message.value, headers }] });
              await consumer.commitOffsets([{ topic: o.topic, partition, offset: String(Number(message.offset) + 1) }]);
            }
            console.log(`    ${o.dryRun ? 'would be re-published' : 're-published'} to ${topic}`);
          }
          handled++;
          if (Number(message.offset) + 1 >= end) reached.add(partition);
          if (remaining.every(([p]) => reached.has(p))) resolve();
        },
      }).catch(reject);
    });
    await finished;
  } finally {
    await consumer.disconnect();
    await producer.disconnect();
  }
  console.log(`${handled} record(s) ${o.command === 'list' ? 'listed' : o.dryRun ? 'would be replayed' : 'replayed'}`);
}

main().catch((error: unknown) => {
  console.error(`dlq: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
