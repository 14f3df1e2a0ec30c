import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';

/**
 * Which images a deployment uses and how they reach the cluster: the variables of the
 * air-gapped install (docs/kubernetes.md). Unset, every default is the upstream name.
 */
const REPO = resolve(__dirname, '../..');

function sh(cmd: string, args: string[], input?: Buffer): { ok: boolean; out: string; err: string } {
  const r = spawnSync(cmd, args, { input, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { ok: r.status === 0, out: r.stdout ?? '', err: (r.stderr ?? '') + (r.error ? r.error.message : '') };
}

export interface ImageOverrides {
  /** Build arguments of the two Dockerfiles (base images, Maven Central mirror). */
  buildArgs: Record<string, string>;
  /** Manifest image -> the image to run instead. */
  manifestImages: Map<string, string>;
  /** Extra `--set` values per Helm release. */
  helmSet: Record<string, string[]>;
  /** The operator's and the Kafka image, which the operator chart and the operator choose. */
  strimziImages: string[];
}

export function imageOverrides(env: NodeJS.ProcessEnv = process.env): ImageOverrides {
  const buildArgs = Object.fromEntries(
    ['NODE_IMAGE', 'RUNTIME_IMAGE', 'KAFKA_IMAGE', 'MAVEN_CENTRAL'].filter((k) => env[k]).map((k) => [k, env[k]!]),
  );
  const manifestImages = new Map<string, string>();
  if (env.BOOK_POSTGRES_IMAGE) manifestImages.set('postgres:15', env.BOOK_POSTGRES_IMAGE);
  const registry = env.STRIMZI_IMAGE_REGISTRY ?? 'quay.io';
  const repository = env.STRIMZI_IMAGE_REPOSITORY ?? 'strimzi';
  const helmSet: Record<string, string[]> = {
    'strimzi-operator': [
      ...(env.STRIMZI_IMAGE_REGISTRY ? [`defaultImageRegistry=${registry}`] : []),
      ...(env.STRIMZI_IMAGE_REPOSITORY ? [`defaultImageRepository=${repository}`] : []),
    ],
  };
  const { operator, kafka } = strimziVersions();
  return {
    buildArgs,
    manifestImages,
    helmSet,
    strimziImages: [`${registry}/${repository}/operator:${operator}`, `${registry}/${repository}/kafka:${operator}-kafka-${kafka}`],
  };
}

/** The operator chart's version (skaffold.yaml) and the Kafka version (strimzi/kafka.yaml). */
function strimziVersions(): { operator: string; kafka: string } {
  const skaffold = readFileSync(join(REPO, 'skaffold.yaml'), 'utf8');
  const operator = /remoteChart: oci:\/\/[^\n]*strimzi-kafka-operator\s*\n\s*version: ([\w.-]+)/.exec(skaffold)?.[1];
  const kafka = (parse(readFileSync(join(REPO, 'strimzi/kafka.yaml'), 'utf8')) as { spec: { kafka: { version: string } } }).spec.kafka.version;
  if (!operator) throw new Error('skaffold.yaml: no version of the strimzi-kafka-operator chart');
  return { operator, kafka };
}

export interface Loader {
  describe: string;
  /** Whether images nobody builds here (PostgreSQL, Strimzi's) are copied too: a node without a registry. */
  preloads: boolean;
  /** Makes a local image available to the cluster; returns what the cluster must call it. */
  load(image: string): string;
  present(image: string): boolean;
}

/** containerd's name for a Docker-style reference. */
function normalized(image: string): string {
  const [first] = image.split('/');
  const withRegistry = image.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost') ? image : `docker.io/${image.includes('/') ? image : `library/${image}`}`;
  return withRegistry.includes(':', withRegistry.lastIndexOf('/')) ? withRegistry : `${withRegistry}:latest`;
}

/**
 * DEPLOY_IMAGE_LOADER: `kind` (kind load), `containerd` (docker save | ctr import, for a node
 * whose containerd is on this machine: CONTAINERD_ADDRESS), `registry` (docker push to
 * DEPLOY_REGISTRY), `none` (the cluster pulls). Unset: kind for kind-* contexts, containerd
 * when CONTAINERD_ADDRESS is set, registry when DEPLOY_REGISTRY is set.
 */
export function imageLoader(context: string, env: NodeJS.ProcessEnv = process.env): Loader {
  const choice = env.DEPLOY_IMAGE_LOADER
    ?? (context.startsWith('kind-') ? 'kind' : env.CONTAINERD_ADDRESS ? 'containerd' : env.DEPLOY_REGISTRY ? 'registry' : undefined);
  switch (choice) {
    case 'kind': {
      const cluster = context.replace(/^kind-/, '');
      return {
        describe: `kind load (cluster ${cluster})`,
        preloads: true,
        present: () => false, // kind load skips an image the node already has
        load(image) {
          const r = sh('kind', ['load', 'docker-image', image, '--name', cluster]);
          if (!r.ok) throw new Error(`kind load docker-image ${image}: ${r.err.trim()}`);
          return image;
        },
      };
    }
    case 'containerd': {
      const namespace = ['-n', env.CONTAINERD_NAMESPACE ?? 'k8s.io'];
      return {
        describe: `docker save | ctr import (containerd ${env.CONTAINERD_ADDRESS ?? 'default socket'})`,
        preloads: true,
        present(image) {
          const r = sh('ctr', [...namespace, 'images', 'ls', '-q']);
          return r.ok && r.out.split('\n').includes(normalized(image));
        },
        load(image) {
          const saved = spawnSync('docker', ['save', image], { maxBuffer: 4 * 1024 * 1024 * 1024 });
          if (saved.status !== 0) throw new Error(`docker save ${image}: ${saved.stderr?.toString().trim()}`);
          const r = sh('ctr', [...namespace, 'images', 'import', '-'], saved.stdout);
          if (!r.ok) throw new Error(`ctr images import ${image}: ${r.err.trim()}`);
          return image;
        },
      };
    }
    case 'registry': {
      const registry = env.DEPLOY_REGISTRY;
      if (!registry) throw new Error('DEPLOY_IMAGE_LOADER=registry needs DEPLOY_REGISTRY (e.g. registry.example.com/team)');
      return {
        describe: `docker push to ${registry}`,
        preloads: false,
        present: () => false,
        load(image) {
          const target = `${registry}/${image.slice(image.lastIndexOf('/') + 1)}`;
          for (const args of [['tag', image, target], ['push', target]]) {
            const r = sh('docker', args);
            if (!r.ok) throw new Error(`docker ${args.join(' ')}: ${r.err.trim()}`);
          }
          return target;
        },
      };
    }
    case 'none':
      return { describe: 'the cluster pulling them (DEPLOY_IMAGE_LOADER=none)', preloads: false, present: () => true, load: (image) => image };
    default:
      throw new Error(
        `no way to get images into the cluster of context ${context}: set DEPLOY_IMAGE_LOADER (kind, containerd, registry with DEPLOY_REGISTRY, or none)`,
      );
  }
}

/** Loads each image that the local Docker engine has and the cluster lacks; the others are left to the cluster to pull. */
export function loadImages(loader: Loader, images: string[], log: (line: string) => void): Map<string, string> {
  const names = new Map<string, string>();
  for (const image of images) {
    if (loader.present(image)) {
      names.set(image, image);
      continue;
    }
    if (!sh('docker', ['image', 'inspect', image]).ok) {
      log(`${image}: not in the local Docker engine, left to the cluster to pull`);
      names.set(image, image);
      continue;
    }
    const t = Date.now();
    names.set(image, loader.load(image));
    log(`${image}: loaded (${Math.round((Date.now() - t) / 1000)} s)`);
  }
  return names;
}
