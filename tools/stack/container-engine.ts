import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { ContainerRuntimeClient, GenericContainer } from 'testcontainers';
import { withTimeout } from './processes';
import { STRIMZI_DIR } from './strimzi-resources';

/** Image names the tools run; each can point at a mirror or another tag. */
export const POSTGRES_IMAGE = process.env.BOOK_POSTGRES_IMAGE ?? 'postgres:15';
/** Strimzi's Kafka image: the one the Connect image is built FROM (strimzi/connect/Dockerfile) and the cluster's brokers run. */
export const KAFKA_IMAGE = process.env.BOOK_KAFKA_IMAGE ?? dockerfileArg('KAFKA_IMAGE');
/** The project's Connect image (strimzi/connect/Dockerfile), as tools/containers/check-images.sh tags it. */
export const CONNECT_IMAGE = process.env.BOOK_CONNECT_IMAGE ?? 'book-connect:dev';
/** Mirrors testcontainers' own default (reaper/reaper.js); RYUK_CONTAINER_IMAGE overrides both. */
const RYUK_IMAGE = process.env.RYUK_CONTAINER_IMAGE ?? 'testcontainers/ryuk:0.14.0';
const ANSWER_TIMEOUT_MS = 10_000;

export type EngineCheck = { usable: true; client: ContainerRuntimeClient } | { usable: false; reason: string };

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0].slice(0, 200);
}

/** Present locally, or the registry answers for it (a manifest lookup, nothing is pulled). */
async function imageReason(client: ContainerRuntimeClient, name: string): Promise<string | undefined> {
  const { ImageName } = await import('testcontainers');
  const image = ImageName.fromString(name);
  if (await client.image.exists(image)) return undefined;
  try {
    await withTimeout(`registry lookup of ${name}`, client.container.dockerode.getImage(image.string).distribution(), ANSWER_TIMEOUT_MS);
    return undefined;
  } catch (error) {
    return `image ${name} is not present and cannot be pulled (${firstLine(error)})`;
  }
}

/**
 * Whether testcontainers can run `images` here: an engine answers, and every image it
 * needs (the reaper too, unless TESTCONTAINERS_RYUK_DISABLED=true) is present or pullable.
 */
export async function checkEngine(images: string[]): Promise<EngineCheck> {
  let client: ContainerRuntimeClient;
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    client = await withTimeout('container engine', getContainerRuntimeClient(), ANSWER_TIMEOUT_MS);
  } catch (error) {
    return { usable: false, reason: `no container engine answers (${firstLine(error)})` };
  }
  const needed = process.env.TESTCONTAINERS_RYUK_DISABLED === 'true' ? images : [...images, RYUK_IMAGE];
  for (const name of needed) {
    const reason = await imageReason(client, name);
    if (reason) {
      const hint = name === RYUK_IMAGE ? '; set TESTCONTAINERS_RYUK_DISABLED=true to run without the reaper' : '';
      return { usable: false, reason: reason + hint };
    }
  }
  return { usable: true, client };
}

function dockerfileArg(name: string): string {
  const dockerfile = readFileSync(join(STRIMZI_DIR, 'connect', 'Dockerfile'), 'utf8');
  const value = new RegExp(`^ARG ${name}=(\\S+)$`, 'm').exec(dockerfile)?.[1];
  if (!value) throw new Error(`strimzi/connect/Dockerfile has no "ARG ${name}=..." line`);
  return value;
}

/** Labels and layers of a local image; undefined when it is not here. */
export async function localImage(client: ContainerRuntimeClient, image: string): Promise<{ labels: Record<string, string>; layers: string[] } | undefined> {
  const info = await client.container.dockerode.getImage(image).inspect().catch(() => undefined);
  return info && { labels: info.Config?.Labels ?? {}, layers: info.RootFS?.Layers ?? [] };
}

/**
 * On every container and network the stack makes: the host and pid of the Node process that made
 * it. Without Ryuk nothing removes what a killed run left; removeLeftovers does, on the next run.
 */
const OWNER_LABEL = 'book-service.owner';
export const ownerLabels = (): Record<string, string> => ({ [OWNER_LABEL]: `${hostname()}:${process.pid}` });

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function orphaned(labels: Record<string, string> | undefined): boolean {
  const [host, pid] = (labels?.[OWNER_LABEL] ?? '').split(':');
  return host === hostname() && !processAlive(Number(pid));
}

let swept: Promise<void> | undefined;

/** Removes the containers (with their volumes), then the networks, of runs on this host whose process is gone; once per process. */
export function removeLeftovers(client: ContainerRuntimeClient): Promise<void> {
  swept ??= sweep(client);
  swept.catch(() => (swept = undefined));
  return swept;
}

async function sweep(client: ContainerRuntimeClient): Promise<void> {
  const docker = client.container.dockerode;
  const filters = { label: [OWNER_LABEL] };
  for (const c of await docker.listContainers({ all: true, filters })) {
    if (orphaned(c.Labels)) await docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined);
  }
  for (const n of await docker.listNetworks({ filters })) {
    if (orphaned(n.Labels)) await docker.getNetwork(n.Id).remove().catch(() => undefined);
  }
}

/** A user-defined bridge network (containers find each other by alias), labelled like the containers. */
export async function createNetwork(client: ContainerRuntimeClient, prefix: string): Promise<{ name: string; remove(): Promise<void> }> {
  const name = `${prefix}-${process.pid}-${Date.now().toString(36)}`;
  const network = await client.container.dockerode.createNetwork({ Name: name, Driver: 'bridge', Labels: ownerLabels() });
  return { name, remove: () => network.remove() };
}

// TypeScript requires this constructor form of a mixin base.
type ContainerClass = new (...args: any[]) => GenericContainer;

/**
 * `Base` (GenericContainer or a module's subclass) whose ports can be published on 127.0.0.1 only
 * (testcontainers publishes on every interface; the process variants listen on loopback only) at a
 * fixed host port, so that a container started again keeps its address.
 */
export function withLoopbackPorts<T extends ContainerClass>(Base: T) {
  return class extends Base {
    publishOnLoopback(container: number, host: number): this {
      this.withExposedPorts({ container, host });
      this.hostConfig.PortBindings = { ...this.hostConfig.PortBindings, [`${container}/tcp`]: [{ HostIp: '127.0.0.1', HostPort: String(host) }] };
      return this;
    }
  };
}
