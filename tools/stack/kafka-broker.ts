import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { JavaProcess, log4jProperties, propertiesFile } from './java-process';
import { Restartable, Watched } from './managed-process';
import { freePort } from './processes';
import { asProperties, kafkaResource } from './strimzi-resources';

const run = promisify(execFile);

/** The broker; start() after kill or stop keeps its port and data. */
export interface KafkaBroker extends Restartable {
  /** host:port of the listener for clients on this host. */
  readonly bootstrap: string;
  /** The container's id, when it runs in one. */
  readonly containerId?: string;
  /** Stops it for good and removes what it left (a container); the stack deletes the process's directory. */
  destroy(): Promise<void>;
}

/**
 * The Kafka CR's spec.kafka.config, so that the local broker behaves like the cluster's, for one
 * node in KRaft combined mode (broker + controller); `listeners` adds where it listens.
 */
export function brokerProperties(listeners: Record<string, string>, logDir: string): Record<string, string> {
  return {
    ...asProperties(kafkaResource().spec.kafka.config),
    'process.roles': 'broker,controller',
    'node.id': '1',
    'controller.listener.names': 'CONTROLLER',
    'log.dirs': logDir,
    'num.partitions': '1',
    'group.initial.rebalance.delay.ms': '0',
    ...listeners,
  };
}

/** The broker's log4j2 file: INFO to stdout, without the per-request and config dumps. */
export const brokerLog4j = (): string => log4jProperties({ 'kafka.request.logger': 'WARN', 'org.apache.kafka.common.config': 'WARN' });

/** A KRaft cluster id; the = form of the option, since a base64url id may start with '-'. */
export const newClusterId = (): string => randomBytes(16).toString('base64url');

/** Kafka as a local JVM process, from the jars resolved by Maven. */
export async function startKafkaBroker(dir: string, classpath: string, jvmOptions?: string[]): Promise<KafkaBroker> {
  const [port, controllerPort] = [await freePort(), await freePort()];
  mkdirSync(dir, { recursive: true });
  const bootstrap = `127.0.0.1:${port}`;
  const props = brokerProperties({
    'controller.quorum.voters': `1@127.0.0.1:${controllerPort}`,
    listeners: `PLAINTEXT://${bootstrap},CONTROLLER://127.0.0.1:${controllerPort}`,
    'advertised.listeners': `PLAINTEXT://${bootstrap}`,
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
  }, join(dir, 'data'));
  const config = join(dir, 'server.properties');
  writeFileSync(config, propertiesFile(props));
  const log4jConfig = join(dir, 'log4j2.properties');
  writeFileSync(log4jConfig, brokerLog4j());
  await run('java', ['-Xmx256m', `-Dlog4j2.configurationFile=${log4jConfig}`, '-cp', classpath, 'kafka.tools.StorageTool', 'format', `--cluster-id=${newClusterId()}`, `--config=${config}`]);

  const logFile = join(dir, 'broker.log');
  const jvm = new JavaProcess({ name: 'Kafka broker', mainClass: 'kafka.Kafka', args: [config], classpath, jvmOptions, log4jConfig, logFile });
  const start = async () => {
    jvm.start();
    await waitForBroker(bootstrap, jvm);
  };
  await start();
  return { bootstrap, logFile, kill: () => jvm.kill(), start, stop: () => jvm.stop(), destroy: () => jvm.stop() };
}

/** Until the broker at `bootstrap` describes its cluster with a broker in it. */
export async function waitForBroker(bootstrap: string, broker: Watched): Promise<void> {
  const admin = new Kafka({ brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 0 } }).admin();
  try {
    await broker.waitUntil(`Kafka broker on ${bootstrap}`, 90_000, async () => {
      await admin.connect();
      return (await admin.describeCluster()).brokers.length > 0;
    });
  } finally {
    await admin.disconnect();
  }
}
