import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { JavaProcess, log4jProperties, propertiesFile } from './java-process';
import { Restartable, Watched } from './managed-process';
import { freePort } from './processes';
import { asProperties, kafkaConnectResource } from './strimzi-resources';

/** The Connect worker JVM. */
export interface ConnectWorker extends Restartable {
  /** Base URL of the Connect REST API. */
  readonly url: string;
  /** Stops it for good and removes what it left (a container); the stack deletes the process's directory. */
  destroy(): Promise<void>;
  /** Writes (keys of) a Secret where its config provider reads it: how a test rotates the connector's password. */
  writeSecret(secret: LocalSecret): Promise<void>;
}

export interface ConnectWorkerOptions {
  dir: string;
  bootstrap: string;
  classpath: string;
  pluginPath: string;
  /**
   * Root of a directory tree <namespace>/<secret>/<key> (files): the local stand-in for
   * the Kubernetes Secrets that KubernetesSecretConfigProvider reads in the cluster.
   */
  secretsDir: string;
  jvmOptions?: string[];
}

/**
 * A Connect worker in distributed mode configured from the KafkaConnect CR (group id, internal
 * topics, spec.config), except the config provider: DirectoryConfigProvider under the same name
 * resolves the same ${name:namespace/secret:key} placeholders from files (of the working directory).
 * `network` says where it listens and what it bootstraps from.
 */
export function workerProperties(network: Record<string, string>): Record<string, string> {
  const spec = kafkaConnectResource().spec;
  const specConfig = asProperties(spec.config);
  const provider = specConfig['config.providers'];
  const props: Record<string, string> = {
    // Strimzi's defaults for what the CR leaves out.
    'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
    'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
    ...Object.fromEntries(Object.entries(specConfig).filter(([k]) => !k.startsWith('config.providers'))),
    'group.id': spec.groupId,
    'config.storage.topic': spec.configStorageTopic,
    'offset.storage.topic': spec.offsetStorageTopic,
    'status.storage.topic': spec.statusStorageTopic,
    ...network,
  };
  if (provider) {
    props['config.providers'] = provider;
    props[`config.providers.${provider}.class`] = 'org.apache.kafka.common.config.provider.DirectoryConfigProvider';
  }
  return props;
}

/** The Connect REST API lists connectors: the worker has also joined its group. */
export async function waitForConnect(url: string, worker: Watched): Promise<void> {
  await worker.waitUntil(`Kafka Connect REST API on ${url}`, 120_000, async () => (await fetch(`${url}/connectors`)).ok);
}

export const connectLog4j = (): string => log4jProperties({ 'org.apache.kafka.common.config': 'WARN', 'org.reflections': 'ERROR' });

/** The worker as a local JVM process, from the jars and plugin directory resolved by Maven. */
export async function startConnectWorker(o: ConnectWorkerOptions): Promise<ConnectWorker> {
  const restPort = await freePort();
  mkdirSync(o.dir, { recursive: true });
  const props = workerProperties({
    'bootstrap.servers': o.bootstrap,
    listeners: `http://127.0.0.1:${restPort}`,
    'rest.advertised.host.name': '127.0.0.1',
    'rest.advertised.port': String(restPort),
    'plugin.path': o.pluginPath,
  });
  const config = join(o.dir, 'connect-distributed.properties');
  writeFileSync(config, propertiesFile(props));
  const log4jConfig = join(o.dir, 'log4j2.properties');
  writeFileSync(log4jConfig, connectLog4j());
  const logFile = join(o.dir, 'connect.log');
  const url = `http://127.0.0.1:${restPort}`;
  const jvm = new JavaProcess({
    name: 'Kafka Connect worker',
    mainClass: 'org.apache.kafka.connect.cli.ConnectDistributed',
    args: [config],
    classpath: o.classpath,
    jvmOptions: o.jvmOptions,
    log4jConfig,
    logFile,
    // DirectoryConfigProvider resolves the relative <namespace>/<secret> paths from here.
    cwd: o.secretsDir,
  });
  const start = async () => {
    jvm.start();
    // The REST API answers before the worker has joined its group; /connectors needs both.
    await waitForConnect(url, jvm);
  };
  await start();
  return {
    url, logFile, kill: () => jvm.kill(), start, stop: () => jvm.stop(), destroy: () => jvm.stop(),
    writeSecret: async (secret) => writeLocalSecret(o.secretsDir, secret),
  };
}

/** A Kubernetes Secret as DirectoryConfigProvider reads it: files <root>/<namespace>/<name>/<key>. */
export interface LocalSecret {
  namespace: string;
  name: string;
  data: Record<string, string>;
}

/** Writes a secret under `root`, readable by the owner only. */
export function writeLocalSecret(root: string, secret: LocalSecret): void {
  const dir = join(root, secret.namespace, secret.name);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (const [key, value] of Object.entries(secret.data)) writeFileSync(join(dir, key), value, { mode: 0o600 });
}
