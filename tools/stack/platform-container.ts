import { createWriteStream } from 'node:fs';
import type { ContainerRuntimeClient } from 'testcontainers';
import { ownerLabels, withLoopbackPorts } from './container-engine';
import { DEFAULT_JVM } from './java-process';
import { ManagedContainer } from './managed-container';
import { tailOf } from './processes';

/** Copied files belong to root; the image's user (1001) is in group 0. */
export const PRIVATE_MODE = 0o440;

/** Where a Kafka or Connect container finds the configuration the stack writes for it. */
export const CONFIG_DIR = '/opt/kafka/stack-config';

export interface PlatformContainerOptions {
  client: ContainerRuntimeClient;
  image: string;
  /** For messages: "Kafka broker". */
  name: string;
  /** The stack's network, and this container's name on it. */
  network: string;
  alias: string;
  /** Published on 127.0.0.1:host, the only way in from this host. */
  port: { container: number; host: number };
  /** Files of CONFIG_DIR, name → content; log4j2.properties among them. */
  config: Record<string, string>;
  /** More files, absolute path → content, readable by the image's user and no one else but root (PRIVATE_MODE). */
  privateFiles?: Record<string, string>;
  /** Run by `sh -c` as the image's user (1001). */
  script: string;
  workingDir?: string;
  /** The log line that says the JVM has started: testcontainers waits for it on the first start. */
  startedLine: RegExp;
  jvmOptions?: string[];
  logFile: string;
  /** Resolves once it serves (after the first start too). */
  whenStarted: (container: ManagedContainer) => Promise<void>;
}

/**
 * A Kafka or Connect JVM in a container of Strimzi's Kafka image (or an image built FROM it),
 * started by Kafka's own scripts: heap and GC flags through KAFKA_HEAP_OPTS and
 * KAFKA_JVM_PERFORMANCE_OPTS, log4j2 from CONFIG_DIR, writable paths under /tmp.
 */
export async function startPlatformContainer(o: PlatformContainerOptions): Promise<ManagedContainer> {
  const { GenericContainer, Wait } = await import('testcontainers');
  const jvm = o.jvmOptions ?? DEFAULT_JVM;
  const heap = jvm.filter((flag) => /^-Xm[sx]/.test(flag));
  const log = createWriteStream(o.logFile, { flags: 'a' });
  const Loopback = withLoopbackPorts(GenericContainer);
  let container: ManagedContainer | undefined;
  try {
    const started = await new Loopback(o.image)
      .withNetworkMode(o.network)
      .withNetworkAliases(o.alias)
      .publishOnLoopback(o.port.container, o.port.host)
      .withLabels(ownerLabels())
      .withEnvironment({
        KAFKA_HEAP_OPTS: heap.join(' '),
        KAFKA_JVM_PERFORMANCE_OPTS: jvm.filter((flag) => !heap.includes(flag)).join(' '),
        KAFKA_LOG4J_OPTS: `-Dlog4j2.configurationFile=${CONFIG_DIR}/log4j2.properties`,
        LOG_DIR: '/tmp/kafka-logs',
      })
      .withCopyContentToContainer([
        ...Object.entries(o.config).map(([name, content]) => ({ content, target: `${CONFIG_DIR}/${name}`, mode: 0o444 })),
        ...Object.entries(o.privateFiles ?? {}).map(([target, content]) => ({ content, target, mode: PRIVATE_MODE })),
      ])
      .withWorkingDir(o.workingDir ?? '/opt/kafka')
      .withCommand(['sh', '-c', o.script])
      .withLogConsumer((stream) => stream.pipe(log, { end: false }))
      .withWaitStrategy(Wait.forLogMessage(o.startedLine))
      .withStartupTimeout(180_000)
      .start();
    container = new ManagedContainer(o.client, started, o.name, o.logFile, o.whenStarted, log);
    await container.notePid();
    await o.whenStarted(container);
    return container;
  } catch (error) {
    // testcontainers removes a container that never logged its start; this removes one that did but does not serve.
    await container?.destroy();
    log.end();
    throw new Error(`${o.name} container (${o.image}) did not start: ${error instanceof Error ? error.message : String(error)}; log tail:\n${tailOf(o.logFile)}`);
  }
}
