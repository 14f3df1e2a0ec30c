import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { checkMark, consumerLagCheck, deadLetterCheck, DEFAULT_NAMES, topicReadiness, topicShapeCheck } from '../../tools/ops/pipeline';
import { DLQ_REPLAY_GROUP } from '../../service/src/consumer/dead-letter';
import { consoleConsumerCommand, parseConsumerGroupLag, parseEndOffsets, parseTopicDescription } from '../../tools/ops/kafka-cli';
import { readYamlDocuments } from './support/repo';
import { TESTED, toolPairCheck } from '../../tools/ops/tool-versions';
import { REPO_ROOT } from './support/repo';
import { TOOLS } from '../../tools/pinned-tools';

// The cluster-side tooling around the manifests: `npm run status` and the e2e suite's
// topic reader. Pure parts only (no cluster here).

describe('Helm and Skaffold versions', () => {
  it.each([
    ['v4.0.0', 'v2.16.1', 'Skaffold 2.16 and older'],
    ['v4.1.4', 'v2.17.0', 'invalid plugin version "0.1"'],
    ['v4.2.3', 'v2.18.0', 'invalid plugin version "0.1"'],
    ['v3.22.0', 'v2.14.0', 'needs Skaffold 2.15 or newer'],
  ])('npm run status tells what to change for Helm %s with Skaffold %s', (helm, skaffold, why) => {
    const check = toolPairCheck(helm, skaffold);
    expect(check.ok).toBe(false);
    expect(check.detail).toContain(why);
    expect(check.detail).toMatch(/Install Skaffold v2\.19\.0 or newer, or Helm v3\.22\.0|install Skaffold v2\.17\.0/);
  });

  it.each([
    ['v3.22.0', 'v2.17.0'],
    ['v3.19.2', 'v2.15.0'],
    ['v4.1.3', 'v2.17.0'],
    ['v4.2.3+g0123abc', 'v2.19.0'],
  ])('accepts Helm %s with Skaffold %s', (helm, skaffold) => {
    expect(toolPairCheck(helm, skaffold)).toMatchObject({ ok: true, detail: expect.stringContaining('compatible') });
  });

  it('does not fail when one of them is not installed (helm install alone needs no Skaffold)', () => {
    expect(toolPairCheck('v4.1.4', undefined)).toMatchObject({ ok: true, detail: expect.stringContaining('skaffold not found') });
  });

  it('are the ones CI runs, the manifests suite pins, and README and docs/kubernetes.md state', () => {
    const workflow = parse(readFileSync(join(REPO_ROOT, '.github', 'workflows', 'ci.yaml'), 'utf8'));
    const kind = workflow.jobs.kind;
    expect(kind.env.SKAFFOLD_VERSION).toBe(`v${TESTED.skaffold}`);
    const setupHelm = kind.steps.find((s: any) => String(s.uses).startsWith('azure/setup-helm@'));
    expect(setupHelm.with.version).toBe(`v${TESTED.helm}`);
    expect(TOOLS.helm.version).toBe(`v${TESTED.helm}`);
    for (const file of ['README.md', 'docs/kubernetes.md']) {
      const text = readFileSync(join(REPO_ROOT, file), 'utf8');
      expect({ file, helm: text.includes(`Helm ${TESTED.helm}`), skaffold: text.includes(`Skaffold ${TESTED.skaffold}`) }).toEqual({ file, helm: true, skaffold: true });
      expect(text).toContain('Skaffold 2.19.0');
    }
  });
});

describe('the console consumer exec\'d in the broker container', () => {
  const command = consoleConsumerCommand('books.events', 20000);

  it('runs with a small heap of its own, not the broker\'s KAFKA_HEAP_OPTS', () => {
    const heap = command.find((c) => c.startsWith('KAFKA_HEAP_OPTS='));
    expect(heap).toBeDefined();
    const xmx = /-Xmx(\d+)m/.exec(heap!);
    expect(Number(xmx![1])).toBeLessThanOrEqual(128);
    expect(command[0]).toBe('env');
    expect(command.indexOf(heap!)).toBeLessThan(command.findIndex((c) => c.endsWith('kafka-console-consumer.sh')));
  });

  it('passes formatter settings with --formatter-property (--property is deprecated in Kafka 4.3)', () => {
    expect(command).not.toContain('--property');
    const formatter = command.flatMap((c, i) => (command[i - 1] === '--formatter-property' ? [c] : []));
    expect(formatter).toEqual(['print.partition=true', 'print.offset=true', 'print.key=true', 'print.headers=true', 'key.separator=\t', 'headers.separator=,', 'headers.key.separator=:']);
  });

  it('is what the docs show too', () => {
    for (const file of ['README.md', 'docs/kubernetes.md']) {
      const text = readFileSync(join(REPO_ROOT, file), 'utf8');
      expect({ file, deprecated: /kafka-console-consumer[^`]*--property/.test(text) }).toEqual({ file, deprecated: false });
    }
  });
});

describe('books.events as Kafka has it', () => {
  const described = [
    'Topic: books.events\tTopicId: 3fZ3d1p7QkS0bq1WcQ2l7A\tPartitionCount: 1\tReplicationFactor: 1\tConfigs: min.insync.replicas=1,cleanup.policy=delete',
    '\tTopic: books.events\tPartition: 0\tLeader: 0\tReplicas: 0\tIsr: 0\tElr: \tLastKnownElr: ',
    '',
  ].join('\n');

  it('is read from kafka-topics.sh --describe', () => {
    expect(parseTopicDescription(described, 'books.events')).toEqual({ partitions: 1, replicationFactor: 1 });
    expect(parseTopicDescription(described, 'other')).toBeUndefined();
  });

  it('fails the status when its partitions differ from the KafkaTopic spec (auto-created by Connect)', () => {
    const check = topicShapeCheck('books.events', { partitions: 3, replicas: 1 }, { partitions: 1, replicationFactor: 1 });
    expect(check.ok).toBe(false);
    expect(check.detail).toContain('1 partitions, the KafkaTopic says 3');
    expect(topicShapeCheck('books.events', { partitions: 3, replicas: 1 }, { partitions: 3, replicationFactor: 1 }).ok).toBe(true);
    expect(topicShapeCheck('books.events', { partitions: 3 }, undefined)).toMatchObject({ ok: false, detail: 'does not exist in Kafka' });
  });

  it('names the Topic Operator when the KafkaTopic was never reconciled', () => {
    const check = topicReadiness('books.events', { metadata: { name: 'books.events', generation: 1 }, spec: { partitions: 3 } });
    expect(check.ok).toBe(false);
    expect(check.detail).toContain('no Topic Operator watches this namespace');
  });
});

describe('the consumer in npm run status', () => {
  // kafka-consumer-groups.sh --describe (Kafka 4.3), one member holding all three partitions
  const described = [
    '',
    'GROUP           TOPIC           PARTITION  CURRENT-OFFSET  LOG-END-OFFSET  LAG             CONSUMER-ID                                  HOST            CLIENT-ID',
    'book-catalog    books.events    0          7               7               0               book-catalog-1b2c-4d5e-8f90-0a1b2c3d4e5f     /10.244.0.17    book-catalog',
    'book-catalog    books.events    2          3               5               2               book-catalog-1b2c-4d5e-8f90-0a1b2c3d4e5f     /10.244.0.17    book-catalog',
    'book-catalog    books.events    1          -               4               -               book-catalog-1b2c-4d5e-8f90-0a1b2c3d4e5f     /10.244.0.17    book-catalog',
    '',
  ].join('\n');

  it('names the group, the Deployment and the dead-letter topic the chart and strimzi/ give them', () => {
    const [values] = readYamlDocuments(join(REPO_ROOT, 'helm', 'book-service', 'values.yaml'));
    const [dlq] = readYamlDocuments(join(REPO_ROOT, 'strimzi', 'kafka-topic-dlq.yaml'));
    expect(DEFAULT_NAMES).toMatchObject({ consumer: 'book-service-consumer', consumerGroup: values.consumer.groupId, deadLetterTopic: dlq.metadata.name });
  });

  it('reads the lag per partition from kafka-consumer-groups.sh --describe, by its header', () => {
    expect(parseConsumerGroupLag(described, 'book-catalog', 'books.events')).toEqual([
      { partition: 0, committed: 7, end: 7, lag: 0 },
      { partition: 1, committed: undefined, end: 4, lag: undefined },
      { partition: 2, committed: 3, end: 5, lag: 2 },
    ]);
    expect(parseConsumerGroupLag("Error: Consumer group 'book-catalog' does not exist.", 'book-catalog', 'books.events')).toBeUndefined();
    // --all-groups prints one table per group, each with its header
    const two = `${described}\nGROUP                    TOPIC             PARTITION  CURRENT-OFFSET  LOG-END-OFFSET  LAG  CONSUMER-ID  HOST  CLIENT-ID\n${DLQ_REPLAY_GROUP}  books.events.dlq  0          1               1               0    -            -     -\n`;
    expect(parseConsumerGroupLag(two, 'book-catalog', 'books.events')).toHaveLength(3);
    expect(parseConsumerGroupLag(two, DLQ_REPLAY_GROUP, 'books.events.dlq')).toEqual([{ partition: 0, committed: 1, end: 1, lag: 0 }]);
  });

  it('prints the lag per partition and in total (a partition without a committed offset counts its end offset)', () => {
    const check = consumerLagCheck('book-catalog', 'books.events', parseConsumerGroupLag(described, 'book-catalog', 'books.events'));
    expect(check).toEqual({ name: 'consumer group book-catalog', ok: true, detail: 'lag 6 on books.events (p0 0, p1 -, p2 2)' });
    expect(checkMark(check)).toBe('ok  ');
    const none = consumerLagCheck('book-catalog', 'books.events', undefined);
    expect(none).toMatchObject({ ok: true, warn: true });
    expect(checkMark(none)).toBe('WARN');
  });

  it('counts the dead letters from kafka-get-offsets.sh: any not replayed is a WARN, not a FAIL', () => {
    expect(parseEndOffsets('books.events.dlq:0:0\n', 'books.events.dlq')).toEqual([0]);
    expect(parseEndOffsets('books.events.dlq:1:1\nbooks.events.dlq:0:2\n', 'books.events.dlq')).toEqual([2, 1]);
    expect(deadLetterCheck('books.events.dlq', [0])).toEqual({ name: 'dead letters books.events.dlq', ok: true, detail: 'empty' });
    const some = deadLetterCheck('books.events.dlq', [2, 1]);
    expect(some).toMatchObject({ ok: true, warn: true, detail: expect.stringContaining('3 of 3 record(s) not replayed') });
    expect(checkMark(some)).toBe('WARN');
    // bin/catalog-dlq.js replay commits its progress in its own group: replayed ones no longer count
    const replayTable = [
      'GROUP                    TOPIC            PARTITION  CURRENT-OFFSET  LOG-END-OFFSET  LAG  CONSUMER-ID  HOST  CLIENT-ID',
      `${DLQ_REPLAY_GROUP}  books.events.dlq  0          2               2               0    -            -     -`,
    ].join('\n');
    const replayed = parseConsumerGroupLag(replayTable, DLQ_REPLAY_GROUP, 'books.events.dlq');
    expect(deadLetterCheck('books.events.dlq', [2, 1], replayed)).toMatchObject({ ok: true, warn: true, detail: expect.stringContaining('1 of 3 record(s) not replayed') });
    expect(deadLetterCheck('books.events.dlq', [2], replayed)).toEqual({ name: 'dead letters books.events.dlq', ok: true, detail: '2 record(s), all replayed' });
    const missing = deadLetterCheck('books.events.dlq', parseEndOffsets('', 'books.events.dlq'));
    expect(checkMark(missing)).toBe('FAIL');
  });
});
