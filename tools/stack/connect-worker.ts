import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { JavaProcess, log4jProperties, propertiesFile } from './java-process';
import { Restartable } from './managed-process';
import { freePort } from './processes';
import { asProperties, kafkaConnectResource } from './strimzi-resources';

/** The Connect worker JVM. */
export interface ConnectWorker extends Restartable {
  /** Base URL of the Connect REST API. */
  readonly url: string;
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
 * A Connect worker in distributed mode configured from the KafkaConnect CR (group id,
 * internal topics, spec.config), except the config provider: DirectoryConfigProvider
 * under the same name resolves the same ${name:namespace/secret:key} placeholders from files.
 */
export async function startConnectWorker(o: ConnectWorkerOptions): Promise<ConnectWorker> {
  const resource = kafkaConnectResource();
  const spec = resource.spec;
  const specConfig = asProperties(spec.config);
  const provider = specConfig['config.providers'];
  const restPort = await freePort();
  mkdirSync(o.dir, { recursive: true });

  const props: Record<string, string> = {
    // Strimzi's defaults for what the CR leaves out.
    'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
    'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
    ...Object.fromEntries(Object.entries(specConfig).filter(([k]) => !k.startsWith('config.providers'))),
    'bootstrap.servers': o.bootstrap,
    'group.id': spec.groupId,
    'config.storage.topic': spec.configStorageTopic,
    'offset.storage.topic': spec.offsetStorageTopic,
    'status.storage.topic': spec.statusStorageTopic,
    listeners: `http://127.0.0.1:${restPort}`,
    'rest.advertised.host.name': '127.0.0.1',
    'rest.advertised.port': String(restPort),
    'plugin.path': o.pluginPath,
  };
  if (provider) {
    props['config.providers'] = provider;
    props[`config.providers.${provider}.class`] = 'org.apache.kafka.common.config.provider.DirectoryConfigProvider';
  }
  const config = join(o.dir, 'connect-distributed.properties');
  writeFileSync(config, propertiesFile(props));
  const log4jConfig = join(o.dir, 'log4j2.properties');
  writeFileSync(log4jConfig, log4jProperties({ 'org.apache.kafka.common.config': 'WARN', 'org.reflections': 'ERROR' }));
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
    await jvm.waitUntil(`Kafka Connect REST API on ${url}`, 120_000, async () => (await fetch(`${url}/connectors`)).ok);
  };
  await start();
  return { url, logFile, kill: () => jvm.kill(), start, stop: () => jvm.stop() };
}

/** Writes a secret as files <root>/<namespace>/<name>/<key>, readable by the owner only. */
export function writeLocalSecret(root: string, namespace: string, name: string, data: Record<string, string>): void {
  const dir = join(root, namespace, name);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (const [key, value] of Object.entries(data)) writeFileSync(join(dir, key), value, { mode: 0o600 });
}
