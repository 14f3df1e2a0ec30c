import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';

/** The strimzi/ directory: the single source of versions, topic settings and connector config. */
export const STRIMZI_DIR = resolve(__dirname, '../../strimzi');

type Scalar = string | number | boolean;

export interface KafkaResource {
  metadata: { name: string };
  spec: { kafka: { version: string; config?: Record<string, Scalar> } };
}

export interface KafkaConnectResource {
  metadata: { name: string };
  spec: {
    version: string;
    groupId: string;
    configStorageTopic: string;
    offsetStorageTopic: string;
    statusStorageTopic: string;
    config?: Record<string, Scalar>;
  };
}

export interface KafkaConnectorResource {
  metadata: { name: string };
  spec: { class: string; tasksMax?: number; config: Record<string, Scalar> };
}

export interface KafkaTopicResource {
  metadata: { name: string };
  spec: { topicName?: string; partitions: number; replicas: number; config?: Record<string, Scalar> };
}

function load<T>(file: string): T {
  return parse(readFileSync(join(STRIMZI_DIR, file), 'utf8')) as T;
}

export const kafkaResource = (): KafkaResource => load('kafka.yaml');
export const kafkaConnectResource = (): KafkaConnectResource => load('kafka-connect.yaml');
export const kafkaConnectorResource = (): KafkaConnectorResource => load('kafka-connector.yaml');
export const kafkaTopicResource = (): KafkaTopicResource => load('kafka-topic.yaml');
/** The reference consumer's dead-letter topic. */
export const deadLetterTopicResource = (): KafkaTopicResource => load('kafka-topic-dlq.yaml');

export interface StackVersions {
  kafka: string;
  debezium: string;
}

/** Kafka from the Kafka CR, Debezium from the Connect image's Dockerfile: a bump is one edit there. */
export function stackVersions(): StackVersions {
  const kafka = String(kafkaResource().spec.kafka.version);
  const dockerfile = readFileSync(join(STRIMZI_DIR, 'connect', 'Dockerfile'), 'utf8');
  const debezium = /^ARG DEBEZIUM_VERSION=(\S+)$/m.exec(dockerfile)?.[1];
  if (!debezium) throw new Error('strimzi/connect/Dockerfile has no "ARG DEBEZIUM_VERSION=..." line');
  return { kafka, debezium };
}

/** Kafka's properties are strings; YAML gives numbers and booleans. */
export function asProperties(config: Record<string, Scalar> = {}): Record<string, string> {
  return Object.fromEntries(Object.entries(config).map(([k, v]) => [k, String(v)]));
}
