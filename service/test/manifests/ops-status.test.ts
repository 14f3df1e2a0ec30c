import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { consoleConsumerCommand, parseTopicDescription, topicReadiness, topicShapeCheck } from '../../../tools/ops/pipeline';
import { TESTED, toolPairCheck } from '../../../tools/ops/tool-versions';
import { REPO_ROOT } from './support/repo';
import { TOOLS } from '../../../tools/pinned-tools';

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
