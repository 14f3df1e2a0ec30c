import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ContainerRuntimeClient } from 'testcontainers';
import { KAFKA_IMAGE } from './container-engine';
import { propertiesFile } from './java-process';
import { brokerLog4j, brokerProperties, KafkaBroker, newClusterId, waitForBroker } from './kafka-broker';
import { CONFIG_DIR, startPlatformContainer } from './platform-container';
import { freePort } from './processes';

/** The broker's name on the stack's network; Connect bootstraps from it. */
export const KAFKA_ALIAS = 'kafka';
/** The listener for containers on the stack's network (Connect), also the one between brokers. */
export const KAFKA_NETWORK_BOOTSTRAP = `${KAFKA_ALIAS}:9093`;

export interface KafkaContainerOptions {
  client: ContainerRuntimeClient;
  network: string;
  /** The log file goes here, as for the process. */
  dir: string;
  jvmOptions?: string[];
}

/**
 * Kafka in a container of Strimzi's Kafka image, the broker the cluster runs, configured like the
 * process (one KRaft node, the Kafka CR's config). Two listeners: CLIENT for this host (published
 * on 127.0.0.1 and advertised there), BROKER for the stack's network.
 */
export async function startKafkaContainer(o: KafkaContainerOptions): Promise<KafkaBroker> {
  const hostPort = await freePort();
  const bootstrap = `127.0.0.1:${hostPort}`;
  mkdirSync(o.dir, { recursive: true });
  const props = brokerProperties({
    'controller.quorum.voters': '1@127.0.0.1:9094',
    listeners: 'CLIENT://0.0.0.0:9092,BROKER://0.0.0.0:9093,CONTROLLER://127.0.0.1:9094',
    'advertised.listeners': `CLIENT://${bootstrap},BROKER://${KAFKA_NETWORK_BOOTSTRAP}`,
    'inter.broker.listener.name': 'BROKER',
    'listener.security.protocol.map': 'CLIENT:PLAINTEXT,BROKER:PLAINTEXT,CONTROLLER:PLAINTEXT',
  }, '/tmp/kafka-data');
  const config = `${CONFIG_DIR}/server.properties`;
  // Formatting is skipped when the container starts again: its data stays.
  const script = `bin/kafka-storage.sh format --cluster-id=${newClusterId()} --config=${config} --ignore-formatted >/dev/null && exec bin/kafka-server-start.sh ${config}`;
  const container = await startPlatformContainer({
    client: o.client,
    image: KAFKA_IMAGE,
    name: 'Kafka broker',
    network: o.network,
    alias: KAFKA_ALIAS,
    port: { container: 9092, host: hostPort },
    config: { 'server.properties': propertiesFile(props), 'log4j2.properties': brokerLog4j() },
    script,
    startedLine: /Kafka Server started/,
    jvmOptions: o.jvmOptions,
    logFile: join(o.dir, 'broker.log'),
    whenStarted: (c) => waitForBroker(bootstrap, c),
  });
  return Object.assign(container, { bootstrap, containerId: container.id });
}
