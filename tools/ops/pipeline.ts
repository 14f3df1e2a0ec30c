import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as K8s from '@kubernetes/client-node';
import { parse } from 'yaml';
import { DLQ_REPLAY_GROUP } from '../../service/src/consumer/dead-letter';
import { pollUntil } from '../stack/processes';
import { exec, getFromPod, podsOf, type Cluster, type ExecOptions } from './kube';
import { deadLetterTopicResource, kafkaConnectorResource, kafkaConnectResource, kafkaResource, kafkaTopicResource } from '../stack/strimzi-resources';
import { brokerToolCommand, consoleConsumerCommand, ConsumedRecord, parseConsoleRecords, parseConsumerGroupLag, parseEndOffsets, parseTopicDescription, PartitionLag, TopicDescription } from './kafka-cli';

/**
 * The CDC pipeline as Kubernetes sees it: Strimzi resources, the connector and its task,
 * the event topic, the service and the consumer. Loads @kubernetes/client-node (ESM-only) on demand.
 */
export interface Names {
  /** The chart's release: the service and the consumer (BOOKS_NAMESPACE). */
  namespace: string;
  /** Kafka, Kafka Connect, the KafkaConnector and the KafkaTopics: the chart's cdc.namespace (CDC_NAMESPACE, default the release's). */
  cdcNamespace: string;
  kafka: string;
  connect: string;
  connector: string;
  topic: string;
  service: string;
  /** The consumer's Deployment, its group and its dead-letter topic. */
  consumer: string;
  consumerGroup: string;
  deadLetterTopic: string;
}

/** The chart's default consumer group (consumer.groupId of helm/book-service/values.yaml). */
function chartConsumerGroup(): string {
  const values = parse(readFileSync(join(__dirname, '../../helm/book-service/values.yaml'), 'utf8'));
  return String(values.consumer.groupId);
}

export const DEFAULT_NAMES: Names = {
  namespace: process.env.BOOKS_NAMESPACE || 'books',
  cdcNamespace: process.env.CDC_NAMESPACE || process.env.BOOKS_NAMESPACE || 'books',
  // The names strimzi/ gives them: the same files the local stack and the cluster run.
  kafka: kafkaResource().metadata.name,
  connect: kafkaConnectResource().metadata.name,
  connector: kafkaConnectorResource().metadata.name,
  topic: kafkaTopicResource().spec.topicName ?? kafkaTopicResource().metadata.name,
  service: process.env.BOOK_SERVICE_NAME || 'book-service',
  consumer: process.env.BOOK_CONSUMER_NAME || `${process.env.BOOK_SERVICE_NAME || 'book-service'}-consumer`,
  consumerGroup: process.env.BOOK_CONSUMER_GROUP || chartConsumerGroup(),
  deadLetterTopic: deadLetterTopicResource().spec.topicName ?? deadLetterTopicResource().metadata.name,
};

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
  /** ok, but worth a look (printed as WARN; the exit code stays 0). */
  warn?: boolean;
}

/** The first column of a check's line: ok, WARN or FAIL. */
export function checkMark(check: Check): string {
  return !check.ok ? 'FAIL' : check.warn ? 'WARN' : 'ok  ';
}

/** The API group and version of Strimzi's custom resources (1.x). */
export const STRIMZI = { group: 'kafka.strimzi.io', version: 'v1' };

async function strimzi(cluster: Cluster, namespace: string, plural: string, name: string): Promise<any | undefined> {
  try {
    return await cluster.custom.getNamespacedCustomObject({ ...STRIMZI, namespace, plural, name });
  } catch (error: any) {
    if (error?.code === 404) return undefined;
    throw error;
  }
}

function readiness(kind: string, name: string, resource: any): Check {
  const label = `${kind} ${name}`;
  if (!resource) return { name: label, ok: false, detail: 'not found' };
  const conditions: any[] = resource.status?.conditions ?? [];
  const ready = conditions.find((c) => c.type === 'Ready');
  const trouble = conditions.find((c) => c.type === 'NotReady' || (c.type === 'Warning' && c.status === 'True'));
  if (ready?.status === 'True') {
    const stale = resource.status?.observedGeneration !== undefined && resource.status.observedGeneration < resource.metadata.generation;
    return { name: label, ok: !stale, detail: stale ? 'Ready, but the latest change is not reconciled yet' : 'Ready' };
  }
  const why = ready?.message || trouble?.message || ready?.reason || trouble?.reason || 'no Ready condition yet';
  return { name: label, ok: false, detail: `not ready: ${why}` };
}

export interface CheckOptions {
  /**
   * Also describe the topic in Kafka (a short-lived kafka-topics.sh in the broker pod) and
   * compare its partitions with the KafkaTopic spec: `npm run status` does, polling loops don't.
   */
  describeTopic?: boolean;
  /**
   * Also ask Kafka for the consumer group's lag per partition and the records of the
   * dead-letter topic (two short-lived broker tools): `npm run status` does.
   */
  describeConsumer?: boolean;
}

/** One check per part of the pipeline, in the order data flows through them. */
export async function pipelineChecks(cluster: Cluster, names: Names = DEFAULT_NAMES, options: CheckOptions = {}): Promise<Check[]> {
  const ns = names.cdcNamespace;
  const [kafka, connect, connector, topic] = await Promise.all([
    strimzi(cluster, ns, 'kafkas', names.kafka),
    strimzi(cluster, ns, 'kafkaconnects', names.connect),
    strimzi(cluster, ns, 'kafkaconnectors', names.connector),
    strimzi(cluster, ns, 'kafkatopics', names.topic),
  ]);
  const checks: Check[] = [
    readiness('Kafka', names.kafka, kafka),
    topicReadiness(names.topic, topic),
    ...(options.describeTopic && topic ? [await topicShape(cluster, names, topic)] : []),
    readiness('KafkaConnect', names.connect, connect),
    readiness('KafkaConnector', names.connector, connector),
  ];
  const status = connector?.status?.connectorStatus;
  const connectorState: string = status?.connector?.state ?? 'unknown';
  checks.push({
    name: `connector ${names.connector}`,
    ok: connectorState === 'RUNNING',
    detail: connectorState + (status?.connector?.trace ? `: ${String(status.connector.trace).split('\n')[0]}` : ''),
  });
  const tasks: any[] = status?.tasks ?? [];
  checks.push({
    name: `connector tasks`,
    ok: tasks.length > 0 && tasks.every((t) => t.state === 'RUNNING'),
    detail: tasks.length ? tasks.map((t) => `task ${t.id} ${t.state}${t.trace ? `: ${String(t.trace).split('\n')[0]}` : ''}`).join('; ') : 'no task yet',
  });
  checks.push(await deploymentReadiness(cluster, names.namespace, names.service, 8000));
  checks.push(...(await consumerChecks(cluster, names, options)));
  return checks;
}

/** A Deployment's ready pods; `absent` is the check when it does not exist (default: FAIL, not found). */
async function deploymentReadiness(cluster: Cluster, namespace: string, name: string, port: number, absent?: Check): Promise<Check> {
  const label = `Deployment ${name}`;
  try {
    const deployment = await cluster.apps.readNamespacedDeployment({ name, namespace });
    const wanted = deployment.spec?.replicas ?? 1;
    const ready = deployment.status?.readyReplicas ?? 0;
    const updated = deployment.status?.updatedReplicas ?? 0;
    const ok = ready >= wanted && updated >= wanted && wanted > 0;
    const detail = `${ready}/${wanted} pods ready (/readyz)`;
    return { name: label, ok, detail: ok ? detail : `${detail}${await unreadyReasons(cluster, namespace, deployment, port)}` };
  } catch (error: any) {
    if (error?.code === 404) return absent ?? { name: label, ok: false, detail: 'not found' };
    throw error;
  }
}

/**
 * The consumer: its Deployment (not ready is a FAIL), its dead-letter KafkaTopic, and with
 * describeConsumer the group's lag per partition and the records in the dead-letter topic
 * (any is a WARN: something needs a look, the pipeline still flows). A release without the
 * consumer (consumer.enabled=false) gets one WARN line and nothing else.
 */
async function consumerChecks(cluster: Cluster, names: Names, options: CheckOptions): Promise<Check[]> {
  const absent: Check = { name: `Deployment ${names.consumer}`, ok: true, warn: true, detail: 'not deployed (consumer.enabled=false?)' };
  const deployment = await deploymentReadiness(cluster, names.namespace, names.consumer, 8001, absent);
  if (deployment === absent) return [deployment];
  const dlq = await strimzi(cluster, names.cdcNamespace, 'kafkatopics', names.deadLetterTopic);
  const checks = [deployment, topicReadiness(names.deadLetterTopic, dlq)];
  if (options.describeConsumer) {
    const groups = await describeGroups(cluster, names);
    checks.push(
      groups.ok
        ? consumerLagCheck(names.consumerGroup, names.topic, parseConsumerGroupLag(groups.out, names.consumerGroup, names.topic))
        : { name: `consumer group ${names.consumerGroup}`, ok: false, detail: groups.out },
    );
    const replayed = groups.ok ? parseConsumerGroupLag(groups.out, DLQ_REPLAY_GROUP, names.deadLetterTopic) : undefined;
    if (dlq) checks.push(await deadLetters(cluster, names, replayed));
  }
  return checks;
}

/** What the pods' own /readyz says (through the API server's pod proxy), e.g. `database unavailable`. */
async function unreadyReasons(cluster: Cluster, namespace: string, deployment: K8s.V1Deployment, port: number): Promise<string> {
  const selector = Object.entries(deployment.spec?.selector?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`).join(',');
  const pods = await cluster.core.listNamespacedPod({ namespace, labelSelector: selector });
  const reasons: string[] = [];
  for (const pod of pods.items.filter((p) => p.status?.phase === 'Running').slice(0, 3)) {
    const name = pod.metadata!.name!;
    const answer = await getFromPod(cluster, namespace, name, port, 'readyz');
    if (answer.status !== 200) {
      const status = /"status"\s*:\s*"([^"]+)"/.exec(answer.body)?.[1] ?? answer.body.split('\n')[0].slice(0, 120);
      reasons.push(`${name}: /readyz ${answer.status || 'failed'} ${status}`);
    }
  }
  if (pods.items.length === 0) reasons.push('no pods');
  return reasons.length ? `; ${reasons.join('; ')}` : '';
}

/**
 * A KafkaTopic without any status was never seen by a Topic Operator: Strimzi's Topic
 * Operator watches one namespace (the Kafka's, unless told otherwise), and Connect then
 * auto-creates the topic with the broker's defaults (1 partition, no per-book order across
 * the spec's partitions). Say so instead of "no Ready condition yet".
 */
export function topicReadiness(name: string, resource: any): Check {
  const check = readiness('KafkaTopic', name, resource);
  if (resource && !resource.status) {
    return {
      ...check,
      detail:
        'not reconciled: no status at all, so no Topic Operator watches this namespace (Strimzi runs it for the Kafka\'s ' +
        'own namespace only; see docs/kubernetes.md). Connect may have auto-created the topic with the broker defaults',
    };
  }
  return check;
}

/** The topic in Kafka against its KafkaTopic spec: partitions (the per-book order's unit) and replicas. */
export function topicShapeCheck(name: string, spec: { partitions?: number; replicas?: number }, actual: TopicDescription | undefined): Check {
  const label = `topic ${name} in Kafka`;
  if (!actual) return { name: label, ok: false, detail: 'does not exist in Kafka' };
  const problems: string[] = [];
  if (spec.partitions !== undefined && actual.partitions !== spec.partitions) {
    problems.push(
      `${actual.partitions} partitions, the KafkaTopic says ${spec.partitions}` +
        (actual.partitions < spec.partitions
          ? ' (created by someone else, e.g. Connect with the broker default, before a Topic Operator reconciled it; raise it with kafka-topics.sh --alter --partitions, or delete and recreate the topic while nothing is written)'
          : ' (partitions cannot be decreased: recreate the topic, or change the spec)'),
    );
  }
  if (spec.replicas !== undefined && actual.replicationFactor !== spec.replicas) {
    problems.push(`replication factor ${actual.replicationFactor}, the KafkaTopic says ${spec.replicas}`);
  }
  return problems.length
    ? { name: label, ok: false, detail: problems.join('; ') }
    : { name: label, ok: true, detail: `${actual.partitions} partitions, replication factor ${actual.replicationFactor}, as the KafkaTopic says` };
}

async function runningBroker(cluster: Cluster, names: Names): Promise<string> {
  const pods = await podsOf(cluster, names.cdcNamespace, `strimzi.io/cluster=${names.kafka},strimzi.io/broker-role=true`);
  const broker = pods.find((p) => p.status?.phase === 'Running')?.metadata?.name;
  if (!broker) throw new Error(`no running broker pod of Kafka ${names.kafka}`);
  return broker;
}

/** Runs a command in the kafka container of a running broker pod. */
async function execInBroker(cluster: Cluster, names: Names, command: string[], options: ExecOptions = {}) {
  return exec(cluster, names.cdcNamespace, await runningBroker(cluster, names), 'kafka', command, options);
}

async function topicShape(cluster: Cluster, names: Names, topic: any): Promise<Check> {
  const name: string = topic.spec?.topicName ?? topic.metadata?.name ?? names.topic;
  try {
    const { out } = await execInBroker(
      cluster,
      names,
      brokerToolCommand('kafka-topics.sh', ['--bootstrap-server', 'localhost:9092', '--describe', '--topic', name]),
      { done: (err) => /does not exist/.test(err) },
    );
    return topicShapeCheck(name, topic.spec ?? {}, parseTopicDescription(out, name));
  } catch (error: any) {
    return { name: `topic ${name} in Kafka`, ok: false, detail: `cannot describe it: ${error?.message ?? String(error)}` };
  }
}

/** The lag line: per partition, and in total. Informational (lag comes and goes); no offsets at all is a WARN. */
export function consumerLagCheck(group: string, topic: string, rows: PartitionLag[] | undefined): Check {
  const name = `consumer group ${group}`;
  if (!rows || rows.length === 0) {
    return { name, ok: true, warn: true, detail: `no committed offsets on ${topic} yet (the group has not consumed anything, or does not exist)` };
  }
  const total = rows.reduce((n, r) => n + (r.lag ?? r.end), 0);
  const parts = rows.map((r) => `p${r.partition} ${r.lag ?? '-'}`).join(', ');
  return { name, ok: true, detail: `lag ${total} on ${topic} (${parts})` };
}

/**
 * Dead letters not replayed yet: per partition, the end offset minus what the replay tool
 * committed (`replayed`, rows of its group). Any is a WARN (an event needs a look and a
 * replay); none, not a FAIL either way.
 */
export function deadLetterCheck(topic: string, endOffsets: number[], replayed: PartitionLag[] = []): Check {
  const name = `dead letters ${topic}`;
  if (endOffsets.length === 0) return { name, ok: false, detail: 'the topic does not exist in Kafka' };
  const total = endOffsets.reduce((n, o) => n + o, 0);
  const pending = endOffsets.reduce((n, end, partition) => n + end - Math.min(end, replayed.find((r) => r.partition === partition)?.committed ?? 0), 0);
  if (total === 0) return { name, ok: true, detail: 'empty' };
  if (pending === 0) return { name, ok: true, detail: `${total} record(s), all replayed` };
  return {
    name,
    ok: true,
    warn: true,
    detail: `${pending} of ${total} record(s) not replayed: events the consumer could not apply; see them with node dist/bin/catalog-dlq.js list (docs/kubernetes.md)`,
  };
}

/**
 * kafka-consumer-groups.sh --describe --all-groups: the consumer's group and the replay tool's
 * in one JVM (naming both with --group fails the whole command while one does not exist).
 */
async function describeGroups(cluster: Cluster, names: Names): Promise<{ ok: boolean; out: string }> {
  try {
    const { out } = await execInBroker(
      cluster,
      names,
      brokerToolCommand('kafka-consumer-groups.sh', ['--bootstrap-server', 'localhost:9092', '--describe', '--all-groups']),
      { done: (err) => /does not exist/.test(err) },
    );
    return { ok: true, out };
  } catch (error: any) {
    return { ok: false, out: `cannot describe it: ${error?.message ?? String(error)}` };
  }
}

async function deadLetters(cluster: Cluster, names: Names, replayed: PartitionLag[] | undefined): Promise<Check> {
  try {
    const { out } = await execInBroker(
      cluster,
      names,
      brokerToolCommand('kafka-get-offsets.sh', ['--bootstrap-server', 'localhost:9092', '--topic', names.deadLetterTopic]),
      { done: (err) => /does not exist|UnknownTopicOrPartition/.test(err) },
    );
    return deadLetterCheck(names.deadLetterTopic, parseEndOffsets(out, names.deadLetterTopic), replayed);
  } catch (error: any) {
    return { name: `dead letters ${names.deadLetterTopic}`, ok: false, detail: `cannot read its offsets: ${error?.message ?? String(error)}` };
  }
}

/** Polls until every check passes or the deadline is reached; returns the last checks. */
export async function waitForPipeline(cluster: Cluster, timeoutMs: number, log: (checks: Check[]) => void, names: Names = DEFAULT_NAMES) {
  let checks: Check[] = [];
  let last = '';
  const { lastError } = await pollUntil(timeoutMs, async () => {
    checks = await pipelineChecks(cluster, names);
    const summary = JSON.stringify(checks);
    if (summary !== last) log(checks);
    last = summary;
    return checks.every((c) => c.ok);
  }, { intervalMs: 5000, attemptTimeoutMs: 120_000 });
  if (checks.length === 0) throw lastError instanceof Error ? lastError : new Error('could not read the pipeline from the cluster');
  return checks;
}

/**
 * Reads books.events from the beginning with kafka-console-consumer inside the broker pod
 * (the listener is cluster-internal), printing partition, offset, key, headers and value of
 * every record. The consumer's JVM gets a small heap of its own: inheriting the broker's
 * options would start a second broker-sized JVM inside the broker's memory limit.
 */
export async function consumeTopic(cluster: Cluster, timeoutMs: number, names: Names = DEFAULT_NAMES): Promise<ConsumedRecord[]> {
  const done = (err: string) => /TimeoutException|Processed a total/.test(err);
  const { out } = await execInBroker(cluster, names, consoleConsumerCommand(names.topic, timeoutMs), { done, timeoutMs: timeoutMs + 120_000 });
  return parseConsoleRecords(out);
}
