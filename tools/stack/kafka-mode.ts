import type { ContainerRuntimeClient } from 'testcontainers';
import { checkEngine, CONNECT_IMAGE, EngineCheck, KAFKA_IMAGE, localImage } from './container-engine';
import { postgresMode } from './postgres';
import { stackVersions } from './strimzi-resources';

export type KafkaMode = { kind: 'process' } | { kind: 'container'; client: ContainerRuntimeClient };
let resolved: Promise<KafkaMode> | undefined;

/**
 * Whether Kafka and Connect can run as containers of the cluster's images: PostgreSQL in a container
 * too (Connect reaches it over the stack's network), an engine, both images, and a Connect image
 * built FROM that Kafka image with the Debezium version of strimzi/connect/Dockerfile.
 */
async function containersReason(): Promise<EngineCheck> {
  const postgres = await postgresMode();
  if (postgres.kind !== 'container') {
    return { usable: false, reason: `PostgreSQL runs as a process (BOOK_POSTGRES=${process.env.BOOK_POSTGRES ?? 'auto'}); Connect in a container reaches PostgreSQL over the containers' network` };
  }
  const engine = await checkEngine([KAFKA_IMAGE, CONNECT_IMAGE]);
  if (!engine.usable) return engine;
  const [kafka, connect] = [await localImage(engine.client, KAFKA_IMAGE), await localImage(engine.client, CONNECT_IMAGE)];
  const rebuild = 'rebuild it: bash tools/containers/check-images.sh';
  if (kafka && connect && !kafka.layers.every((layer, i) => connect.layers[i] === layer)) {
    return { usable: false, reason: `${CONNECT_IMAGE} is not built FROM ${KAFKA_IMAGE} (a stand-in base?); ${rebuild}` };
  }
  const debezium = stackVersions().debezium;
  if (connect && connect.labels['io.debezium.version'] !== debezium) {
    return { usable: false, reason: `${CONNECT_IMAGE} has Debezium ${connect.labels['io.debezium.version'] ?? '(unlabelled)'}, strimzi/connect/Dockerfile says ${debezium}; ${rebuild}` };
  }
  return engine;
}

/** BOOK_KAFKA: `process` (jars from Maven), `container` (the cluster's images), or `auto` (containers where they can run, else processes; it says which and why). */
async function resolve(): Promise<KafkaMode> {
  const choice = process.env.BOOK_KAFKA ?? 'auto';
  if (!['auto', 'process', 'container'].includes(choice)) throw new Error(`BOOK_KAFKA must be auto, process or container, not "${choice}"`);
  if (choice === 'process') return { kind: 'process' };
  const check = await containersReason();
  if (check.usable) {
    if (choice === 'auto') process.stderr.write(`[kafka] BOOK_KAFKA=auto: Kafka and Connect as containers of ${KAFKA_IMAGE} and ${CONNECT_IMAGE}, the images the cluster runs\n`);
    return { kind: 'container', client: check.client };
  }
  if (choice === 'container') throw new Error(`BOOK_KAFKA=container cannot work here: ${check.reason}`);
  process.stderr.write(`[kafka] BOOK_KAFKA=auto: Kafka and Connect as processes (jars from Maven), not containers: ${check.reason}\n`);
  return { kind: 'process' };
}

/** How this process runs Kafka and Connect; decided, and said, once. */
export function kafkaMode(): Promise<KafkaMode> {
  resolved ??= resolve();
  resolved.catch(() => (resolved = undefined));
  return resolved;
}
