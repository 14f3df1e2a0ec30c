import { parseArgs } from 'node:util';
import { existsSync, readFileSync } from 'node:fs';
import { IHeaders, logLevel } from 'kafkajs';
import { STACK_INFO_FILE } from './stack-info';
import { kafkaTopicResource } from './strimzi-resources';
import { TopicReader } from './topic-reader';

/** Header values as text, in the console consumer's print.headers form: id:<uuid>,type:BookAdded */
export function formatHeaders(headers: IHeaders | undefined): string {
  return Object.entries(headers ?? {})
    .map(([name, value]) => `${name}:${value === undefined ? 'NULL' : String(value)}`)
    .join(',');
}

/** The parts of a kafkajs message that are printed. */
export interface PrintedMessage {
  key: Buffer | null;
  value: Buffer | null;
  offset: string;
  headers?: IHeaders;
}

export function formatRecord(partition: number, message: PrintedMessage): string {
  const key = message.key?.toString() ?? 'null';
  const value = message.value?.toString() ?? 'null';
  return `${formatHeaders(message.headers)}\t${value}\tkey=${key} partition=${partition} offset=${message.offset}`;
}

/**
 * `npm run events [-- --new]`: follows books.events from the beginning (or only new
 * records with --new). The broker is KAFKA_BOOTSTRAP, else the one `npm run stack` runs.
 */
async function main(): Promise<void> {
  let bootstrap = process.env.KAFKA_BOOTSTRAP;
  if (!bootstrap && existsSync(STACK_INFO_FILE)) bootstrap = JSON.parse(readFileSync(STACK_INFO_FILE, 'utf8')).bootstrap;
  if (!bootstrap) throw new Error('set KAFKA_BOOTSTRAP=host:port, or start the local stack first (npm run stack)');
  const topic = kafkaTopicResource().spec.topicName ?? kafkaTopicResource().metadata.name;
  const fromBeginning = !parseArgs({ options: { new: { type: 'boolean', default: false } } }).values.new;

  // A fresh group each time: this tool only looks, it never commits a position others rely on.
  const reader = await new TopicReader(bootstrap, topic, {
    clientId: 'book-events-cli',
    logLevel: logLevel.ERROR,
    fromBeginning,
    keep: false,
    onRecord: (record, message) => console.log(formatRecord(record.partition, message)),
  }).start();
  console.error(`following ${topic} on ${bootstrap}${fromBeginning ? ' from the beginning' : ''}; Ctrl-C to stop`);
  const stop = () => void reader.stop().finally(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  });
}
