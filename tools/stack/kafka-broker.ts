import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { JavaProcess, log4jProperties, propertiesFile } from './java-process';
import { Restartable } from './managed-process';
import { freePort } from './processes';
import { asProperties, kafkaResource } from './strimzi-resources';

const run = promisify(execFile);

/** The broker JVM; start() after kill or stop keeps its port and log directory. */
export interface KafkaBroker extends Restartable {
  /** host:port of the PLAINTEXT listener. */
  readonly bootstrap: string;
}

/**
 * Kafka in KRaft combined mode (one node, broker + controller), configured with
 * the Kafka CR's spec.kafka.config so that the local broker behaves like the kind one.
 */
export async function startKafkaBroker(dir: string, classpath: string, jvmOptions?: string[]): Promise<KafkaBroker> {
  const [port, controllerPort] = [await freePort(), await freePort()];
  mkdirSync(dir, { recursive: true });
  const bootstrap = `127.0.0.1:${port}`;
  const props: Record<string, string> = {
    ...asProperties(kafkaResource().spec.kafka.config),
    'process.roles': 'broker,controller',
    'node.id': '1',
    'controller.quorum.voters': `1@127.0.0.1:${controllerPort}`,
    listeners: `PLAINTEXT://${bootstrap},CONTROLLER://127.0.0.1:${controllerPort}`,
    'advertised.listeners': `PLAINTEXT://${bootstrap}`,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'log.dirs': join(dir, 'data'),
    'num.partitions': '1',
    'group.initial.rebalance.delay.ms': '0',
  };
  const config = join(dir, 'server.properties');
  writeFileSync(config, propertiesFile(props));
  const log4jConfig = join(dir, 'log4j2.properties');
  writeFileSync(log4jConfig, log4jProperties({ 'kafka.request.logger': 'WARN', 'org.apache.kafka.common.config': 'WARN' }));
  // The = form: a base64url id may start with '-' and would read as an option.
  const clusterId = randomBytes(16).toString('base64url');
  await run('java', ['-Xmx256m', `-Dlog4j2.configurationFile=${log4jConfig}`, '-cp', classpath, 'kafka.tools.StorageTool', 'format', `--cluster-id=${clusterId}`, `--config=${config}`]);

  const logFile = join(dir, 'broker.log');
  const jvm = new JavaProcess({ name: 'Kafka broker', mainClass: 'kafka.Kafka', args: [config], classpath, jvmOptions, log4jConfig, logFile });
  const start = async () => {
    jvm.start();
    await waitForBroker(bootstrap, jvm);
  };
  await start();
  return { bootstrap, logFile, kill: () => jvm.kill(), start, stop: () => jvm.stop() };
}

async function waitForBroker(bootstrap: string, jvm: JavaProcess): Promise<void> {
  const admin = new Kafka({ brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 0 } }).admin();
  try {
    await jvm.waitUntil(`Kafka broker on ${bootstrap}`, 90_000, async () => {
      await admin.connect();
      return (await admin.describeCluster()).brokers.length > 0;
    });
  } finally {
    await admin.disconnect();
  }
}
