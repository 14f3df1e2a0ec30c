/**
 * Kafka's command-line tools as the cluster tooling runs them inside a broker pod: the
 * commands, and parsers of their text output (pure, so tested without a cluster).
 */

export interface TopicDescription {
  partitions: number;
  replicationFactor: number;
}

/** The summary line of `kafka-topics.sh --describe --topic <t>` (PartitionCount, ReplicationFactor). */
export function parseTopicDescription(text: string, topic: string): TopicDescription | undefined {
  for (const line of text.split('\n')) {
    const fields = Object.fromEntries(
      line.split('\t').map((f) => f.trim()).filter((f) => f.includes(': ')).map((f) => [f.slice(0, f.indexOf(': ')), f.slice(f.indexOf(': ') + 2)]),
    );
    if (fields.Topic === topic && fields.PartitionCount !== undefined) {
      return { partitions: Number(fields.PartitionCount), replicationFactor: Number(fields.ReplicationFactor) };
    }
  }
  return undefined;
}

/**
 * Kafka's command-line tools run inside the broker container, whose environment carries the
 * broker's own KAFKA_HEAP_OPTS (Strimzi's jvmOptions, 768 MB here): a second JVM that size
 * inside the broker's memory limit can get the broker OOM-killed. So: a small heap, and no
 * inherited JMX settings or agents.
 */
export const TOOL_HEAP = '-Xms32m -Xmx64m';
export function brokerToolCommand(script: string, args: string[]): string[] {
  return ['env', '-u', 'KAFKA_OPTS', '-u', 'KAFKA_JMX_OPTS', '-u', 'JMX_PORT', `KAFKA_HEAP_OPTS=${TOOL_HEAP}`, `/opt/kafka/bin/${script}`, ...args];
}

/** kafka-console-consumer printing partition, offset, key, headers and value of every record (Kafka 4.3: --formatter-property). */
export function consoleConsumerCommand(topic: string, timeoutMs: number): string[] {
  return brokerToolCommand('kafka-console-consumer.sh', [
    '--bootstrap-server', 'localhost:9092',
    '--topic', topic,
    '--from-beginning',
    '--timeout-ms', String(timeoutMs),
    '--formatter-property', 'print.partition=true',
    '--formatter-property', 'print.offset=true',
    '--formatter-property', 'print.key=true',
    '--formatter-property', 'print.headers=true',
    '--formatter-property', 'key.separator=\t',
    '--formatter-property', 'headers.separator=,',
    '--formatter-property', 'headers.key.separator=:',
  ]);
}

export interface PartitionLag {
  partition: number;
  /** The group's committed offset; undefined when it has none yet ('-'). */
  committed?: number;
  end: number;
  /** undefined without a committed offset. */
  lag?: number;
}

/**
 * The rows of `kafka-consumer-groups.sh --describe --group <g>` for one topic (columns found
 * by the header: GROUP TOPIC PARTITION CURRENT-OFFSET LOG-END-OFFSET LAG …); undefined
 * when the output has no such table (the group does not exist).
 */
export function parseConsumerGroupLag(text: string, group: string, topic: string): PartitionLag[] | undefined {
  const lines = text.split('\n').map((l) => l.trim().split(/\s+/));
  const header = lines.findIndex((f) => f.includes('PARTITION') && f.includes('LAG'));
  if (header < 0) return undefined;
  const col = (name: string) => lines[header].indexOf(name);
  const number = (value: string | undefined) => (value === undefined || value === '-' || value === '' ? undefined : Number(value));
  return lines
    .slice(header + 1)
    .filter((f) => f[col('GROUP')] === group && f[col('TOPIC')] === topic)
    .map((f) => ({
      partition: Number(f[col('PARTITION')]),
      committed: number(f[col('CURRENT-OFFSET')]),
      end: number(f[col('LOG-END-OFFSET')]) ?? 0,
      lag: number(f[col('LAG')]),
    }))
    .sort((a, b) => a.partition - b.partition);
}

/** `topic:partition:offset` lines of kafka-get-offsets.sh: the end offsets, indexed by partition. */
export function parseEndOffsets(text: string, topic: string): number[] {
  const ends: number[] = [];
  for (const line of text.split('\n').map((l) => l.trim()).filter((l) => l.startsWith(`${topic}:`))) {
    const [partition, offset] = line.slice(topic.length + 1).split(':').map(Number);
    ends[partition] = offset;
  }
  return Array.from(ends, (end) => end ?? 0);
}

export interface ConsumedRecord {
  key: string;
  partition: number;
  offset: number;
  headers: Record<string, string>;
  value: string;
}

/** `Partition:0<TAB>Offset:5<TAB>id:…,type:BookAdded<TAB>3<TAB>{…}`, the console consumer's lines with the properties of consoleConsumerCommand. */
export function parseConsoleRecords(out: string): ConsumedRecord[] {
  return out
    .split('\n')
    .filter((line) => line.startsWith('Partition:'))
    .map((line) => {
      const [partition, offset, headerText, key, ...value] = line.split('\t');
      const headers = Object.fromEntries(
        headerText === 'NO_HEADERS' ? [] : headerText.split(',').map((h) => [h.slice(0, h.indexOf(':')), h.slice(h.indexOf(':') + 1)]),
      );
      return { partition: Number(partition.slice('Partition:'.length)), offset: Number(offset.slice('Offset:'.length)), key, headers, value: value.join('\t') };
    });
}
