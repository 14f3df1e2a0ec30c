import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ContainerRuntimeClient } from 'testcontainers';
import { CONNECT_IMAGE } from './container-engine';
import { ConnectWorker, connectLog4j, LocalSecret, waitForConnect, workerProperties } from './connect-worker';
import { propertiesFile } from './java-process';
import { KAFKA_NETWORK_BOOTSTRAP } from './kafka-broker-container';
import { CONFIG_DIR, PRIVATE_MODE, startPlatformContainer } from './platform-container';
import { freePort } from './processes';

/** DirectoryConfigProvider's root in the container: the worker's working directory. */
const SECRETS_DIR = '/opt/kafka/stack-secrets';

export interface ConnectContainerOptions {
  client: ContainerRuntimeClient;
  network: string;
  /** The log file goes here, as for the process. */
  dir: string;
  /** The Secret the connector's ${provider:namespace/secret:key} placeholders name. */
  secret: LocalSecret;
  jvmOptions?: string[];
}

/**
 * The Connect worker in a container of the project's Connect image (strimzi/connect/Dockerfile):
 * the plugin set the cluster deploys, bootstrapping from the broker's network listener.
 */
export async function startConnectContainer(o: ConnectContainerOptions): Promise<ConnectWorker> {
  const hostPort = await freePort();
  const url = `http://127.0.0.1:${hostPort}`;
  mkdirSync(o.dir, { recursive: true });
  const props = workerProperties({
    'bootstrap.servers': KAFKA_NETWORK_BOOTSTRAP,
    listeners: 'http://0.0.0.0:8083',
    'rest.advertised.host.name': 'connect',
    'rest.advertised.port': '8083',
    'plugin.path': '/opt/kafka/plugins',
  });
  const container = await startPlatformContainer({
    client: o.client,
    image: CONNECT_IMAGE,
    name: 'Kafka Connect worker',
    network: o.network,
    alias: 'connect',
    port: { container: 8083, host: hostPort },
    config: { 'connect-distributed.properties': propertiesFile(props), 'log4j2.properties': connectLog4j() },
    privateFiles: secretFiles(o.secret),
    workingDir: SECRETS_DIR,
    script: `exec /opt/kafka/bin/connect-distributed.sh ${CONFIG_DIR}/connect-distributed.properties`,
    startedLine: /Kafka Connect started/,
    jvmOptions: o.jvmOptions,
    logFile: join(o.dir, 'connect.log'),
    whenStarted: (c) => waitForConnect(url, c),
  });
  const writeSecret = async (secret: LocalSecret) => {
    for (const [target, content] of Object.entries(secretFiles(secret))) await container.writeFile(target, content, PRIVATE_MODE);
  };
  return Object.assign(container, { url, writeSecret });
}

/** A Secret as files under SECRETS_DIR, path → content. */
function secretFiles({ namespace, name, data }: LocalSecret): Record<string, string> {
  return Object.fromEntries(Object.entries(data).map(([key, value]) => [`${SECRETS_DIR}/${namespace}/${name}/${key}`, value]));
}
