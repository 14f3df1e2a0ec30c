/**
 * `npm run deploy:local`: what `skaffold run` does with skaffold.yaml, onto the cluster of the
 * current kube context, for machines where Skaffold cannot be had. It reads skaffold.yaml, so
 * the files and the order are Skaffold's: modules in their `requires` order; per module, build
 * its artifacts with Docker and load them into the cluster's runtime, run its host hooks, install
 * its Helm releases, apply its raw manifests with the built images substituted, and wait for what
 * it deployed to be ready before the next module starts. It ends with the checks of
 * `npm run status`. The image and chart variables are in docs/kubernetes.md (air-gapped install).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { currentKubeContext } from './kube-context';
import { helmBinary } from './helm';
import { imageLoader, imageOverrides, loadImages, type Loader } from './images';

const REPO = resolve(__dirname, '../..');

interface Artifact { image: string; context: string; docker?: { dockerfile?: string } }
interface HelmRelease {
  name: string; chartPath?: string; remoteChart?: string; version?: string; namespace?: string;
  createNamespace?: boolean; valuesFiles?: string[]; setValueTemplates?: Record<string, string>;
  setValues?: Record<string, unknown>; wait?: boolean; upgradeOnChange?: boolean;
}
interface Module {
  metadata: { name: string };
  requires?: Array<{ configs: string[] }>;
  build?: { artifacts?: Artifact[] };
  manifests?: { rawYaml?: string[] };
  deploy?: {
    helm?: { hooks?: { before?: Array<{ host?: { command: string[] } }> }; releases?: HelmRelease[]; flags?: { install?: string[]; upgrade?: string[] } };
    kubectl?: unknown;
  };
}

const started = Date.now();
const seconds = (since: number) => `${Math.round((Date.now() - since) / 1000)} s`;
const log = (line: string) => console.log(`[deploy ${seconds(started).padStart(5)}] ${line}`);

function run(cmd: string, args: string[], options: { input?: string; quiet?: boolean } = {}): string {
  const result = spawnSync(cmd, args, {
    cwd: REPO,
    input: options.input,
    encoding: 'utf8',
    stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    maxBuffer: 256 * 1024 * 1024,
  });
  if (result.error) throw new Error(`${cmd}: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`${cmd} ${args.slice(0, 3).join(' ')} … failed (${result.status}):\n${(result.stderr || result.stdout).trim().split('\n').slice(-15).join('\n')}`);
  if (!options.quiet && result.stdout.trim()) console.log(result.stdout.trim().replace(/^/gm, '    '));
  return result.stdout;
}

/** Modules of skaffold.yaml, each after the ones it requires. */
export function modulesInOrder(file = join(REPO, 'skaffold.yaml')): Module[] {
  const modules = parseAllDocuments(readFileSync(file, 'utf8')).map((d) => d.toJS() as Module);
  const byName = new Map(modules.map((m) => [m.metadata.name, m]));
  const ordered: Module[] = [];
  const visit = (m: Module, path: string[]) => {
    if (ordered.includes(m)) return;
    if (path.includes(m.metadata.name)) throw new Error(`skaffold.yaml: requires cycle ${[...path, m.metadata.name].join(' -> ')}`);
    for (const name of (m.requires ?? []).flatMap((r) => r.configs)) {
      const dep = byName.get(name);
      if (!dep) throw new Error(`skaffold.yaml: ${m.metadata.name} requires unknown config ${name}`);
      visit(dep, [...path, m.metadata.name]);
    }
    ordered.push(m);
  };
  modules.forEach((m) => visit(m, []));
  return ordered;
}

/** Builds an artifact; its tag is the image id (Skaffold's inputDigest plays that part), so a rebuild that changes nothing keeps the tag. */
function build(artifact: Artifact): string {
  const t = Date.now();
  const dockerfile = join(artifact.context, artifact.docker?.dockerfile ?? 'Dockerfile');
  const buildArgs = Object.entries(imageOverrides().buildArgs).flatMap(([k, v]) => ['--build-arg', `${k}=${v}`]);
  const id = run('docker', ['build', '-q', ...buildArgs, '-f', dockerfile, '-t', `${artifact.image}:deploy`, artifact.context], { quiet: true }).trim();
  const tag = `${artifact.image}:${id.replace(/^sha256:/, '').slice(0, 12)}`;
  run('docker', ['tag', id, tag]);
  log(`built ${tag} from ${dockerfile} (${seconds(t)})`);
  return tag;
}

/** A release's chart: its chartPath, or a local copy of its remote chart when one is named (air-gapped sites). */
function chartOf(release: HelmRelease): { chart: string; version: string[] } {
  const localVar = `DEPLOY_CHART_${release.name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
  const local = process.env[localVar];
  if (local) {
    if (!existsSync(local)) throw new Error(`${localVar}=${local}: no such chart directory or archive`);
    return { chart: local, version: [] };
  }
  if (release.chartPath) return { chart: release.chartPath, version: [] };
  if (!release.remoteChart) throw new Error(`release ${release.name} has neither chartPath nor remoteChart`);
  return { chart: release.remoteChart, version: release.version ? ['--version', release.version] : [] };
}

function installRelease(release: HelmRelease, flags: { install?: string[]; upgrade?: string[] }, built: Map<string, string>): void {
  const t = Date.now();
  const { chart, version } = chartOf(release);
  const values = (release.valuesFiles ?? []).flatMap((f) => ['-f', f]);
  const templates = Object.entries(release.setValueTemplates ?? {}).flatMap(([key, template]) => ['--set-string', `${key}=${expandTemplate(template, built)}`]);
  const set = Object.entries(release.setValues ?? {}).flatMap(([key, value]) => ['--set', `${key}=${String(value)}`]);
  const extra = imageOverrides().helmSet[release.name] ?? [];
  const h = helmBinary();
  const exists = spawnSync(h, ['status', release.name, '-n', release.namespace ?? 'default'], { stdio: 'ignore' }).status === 0;
  run(h, [
    'upgrade', '--install', release.name, chart, ...version,
    '--namespace', release.namespace ?? 'default', ...(release.createNamespace ? ['--create-namespace'] : []),
    ...values, ...templates, ...set, ...extra.flatMap((s) => ['--set', s]),
    ...(release.wait ? ['--wait'] : []), ...((exists ? flags.upgrade : flags.install) ?? []),
  ], { quiet: true });
  log(`helm release ${release.name} from ${chart} ${exists ? 'upgraded' : 'installed'} (${seconds(t)})`);
}

/** {{.IMAGE_REPO_book_service}} / {{.IMAGE_TAG_book_service}}, as Skaffold fills them in. */
function expandTemplate(template: string, built: Map<string, string>): string {
  return template.replace(/\{\{\s*\.IMAGE_(REPO|TAG)_(\w+)\s*\}\}/g, (_, part: string, key: string) => {
    const image = [...built.keys()].find((name) => name.replace(/[^A-Za-z0-9]/g, '_') === key);
    if (!image) throw new Error(`skaffold.yaml template names IMAGE_${part}_${key}, which no artifact builds`);
    const tag = built.get(image)!;
    return part === 'REPO' ? tag.slice(0, tag.lastIndexOf(':')) : tag.slice(tag.lastIndexOf(':') + 1);
  });
}

/** Every `image:` of a manifest (containers, and Strimzi's spec.image) that names a built or overridden image. */
function substituteImages(node: unknown, images: Map<string, string>): void {
  if (Array.isArray(node)) return node.forEach((n) => substituteImages(n, images));
  if (!node || typeof node !== 'object') return;
  const object = node as Record<string, unknown>;
  for (const [key, value] of Object.entries(object)) {
    if (key === 'image' && typeof value === 'string') {
      const repo = value.includes(':') ? value.slice(0, value.lastIndexOf(':')) : value;
      object[key] = images.get(value) ?? images.get(repo) ?? value;
    } else substituteImages(value, images);
  }
}

function imagesIn(node: unknown, found: Set<string> = new Set()): Set<string> {
  if (Array.isArray(node)) node.forEach((n) => imagesIn(n, found));
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === 'image' && typeof value === 'string') found.add(value);
      else imagesIn(value, found);
    }
  }
  return found;
}

const STRIMZI_KINDS = new Set(['Kafka', 'KafkaConnect', 'KafkaConnector', 'KafkaTopic', 'KafkaNodePool']);

/** Skaffold's status check, for what a module applied: rollouts, and Strimzi's Ready condition. */
function waitReady(objects: Array<{ kind: string; metadata: { name: string; namespace?: string } }>): void {
  for (const o of objects) {
    const ns = ['-n', o.metadata.namespace ?? 'default'];
    const t = Date.now();
    if (o.kind === 'StatefulSet' || o.kind === 'Deployment') {
      run('kubectl', ['rollout', 'status', `${o.kind.toLowerCase()}/${o.metadata.name}`, ...ns, '--timeout=600s'], { quiet: true });
    } else if (STRIMZI_KINDS.has(o.kind) && o.kind !== 'KafkaNodePool') {
      // A Ready condition from before this apply says nothing: first the operator must have seen this generation.
      const ref = `${o.kind.toLowerCase()}/${o.metadata.name}`;
      run('kubectl', ['wait', ref, ...ns, '--for=jsonpath={.status.observedGeneration}=' +
        run('kubectl', ['get', ref, ...ns, '-o', 'jsonpath={.metadata.generation}'], { quiet: true }).trim(), '--timeout=900s'], { quiet: true });
      run('kubectl', ['wait', ref, ...ns, '--for=condition=Ready', '--timeout=900s'], { quiet: true });
    } else continue;
    log(`${o.kind} ${o.metadata.name} ready (${seconds(t)})`);
  }
}

async function main(): Promise<void> {
  const context = currentKubeContext();
  if (!context.ok) throw new Error(`no Kubernetes cluster to deploy to: ${context.reason}`);
  const loader: Loader = imageLoader(context.context);
  log(`context ${context.context} (${context.server}); images reach the cluster by ${loader.describe}`);
  const overrides = imageOverrides();
  const built = new Map<string, string>();

  for (const module of modulesInOrder()) {
    const t = Date.now();
    log(`module ${module.metadata.name}`);
    for (const artifact of module.build?.artifacts ?? []) {
      const tag = build(artifact);
      built.set(artifact.image, loadImages(loader, [tag], log).get(tag)!);
    }
    const helmDeploy = module.deploy?.helm;
    for (const hook of helmDeploy?.hooks?.before ?? []) if (hook.host) run(hook.host.command[0], hook.host.command.slice(1));

    const objects = (module.manifests?.rawYaml ?? []).flatMap((file) =>
      parseAllDocuments(readFileSync(join(REPO, file), 'utf8')).map((d) => d.toJS()).filter(Boolean),
    );
    substituteImages(objects, new Map([...overrides.manifestImages, ...built]));
    // Images the cluster runs but nobody builds here: preloaded where the local engine has them (air-gapped nodes).
    const preload = new Set([...imagesIn(objects)].filter((i) => ![...built.values()].includes(i)));
    if (helmDeploy?.releases?.some((r) => r.name === 'strimzi-operator')) overrides.strimziImages.forEach((i) => preload.add(i));
    if (loader.preloads) loadImages(loader, [...preload], log);

    for (const release of helmDeploy?.releases ?? []) installRelease(release, helmDeploy?.flags ?? {}, built);
    if (objects.length) {
      run('kubectl', ['apply', '-f', '-'], { input: objects.map((o) => stringify(o)).join('---\n'), quiet: true });
      log(`applied ${objects.map((o: any) => `${o.kind}/${o.metadata.name}`).join(', ')}`);
      waitReady(objects);
    }
    log(`module ${module.metadata.name} done (${seconds(t)})`);
  }

  log('readiness, as `npm run status` checks it');
  const { checkMark, connect, waitForPipeline } = await import('./pipeline');
  const checks = await waitForPipeline(await connect(), Number(process.env.DEPLOY_READY_TIMEOUT_MS || 600_000), () => undefined);
  for (const c of checks) console.log(`${checkMark(c)}  ${c.name}  ${c.detail}`);
  if (!checks.every((c) => c.ok)) throw new Error('deployed, but the pipeline is not ready (npm run status tells what)');
  log(`deployed and ready in ${seconds(started)}`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(`deploy failed after ${seconds(started)}: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
