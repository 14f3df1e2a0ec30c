import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import { cacheDir } from '../../../tools/pinned-tools';

/**
 * Kubernetes JSON schemas, offline. They come from the PyPI package kubernetes-validate
 * (a registry package: no GitHub download), whose wheel carries the OpenAPI definitions of
 * every Kubernetes minor version as JSON Schema 2020-12, in a "strict" flavour that rejects
 * unknown fields (a misspelt key fails instead of being dropped by the API server).
 * Only the versions below are extracted, into the cache outside the repository.
 */
export const KUBERNETES_VALIDATE = '1.37.0';
/** The chart's kubeVersion floor (Strimzi 1.x supports Kubernetes 1.30+) and the Kubernetes of the kind node in CI. */
export const KUBERNETES_VERSIONS = ['1.30.0', '1.34.0'] as const;

const schemaRoot = () => join(cacheDir(), `kubernetes-json-schema-${KUBERNETES_VALIDATE}`);
const versionDir = (version: string) => join(schemaRoot(), `v${version}-local-strict`);

export function ensureKubernetesSchemas(): void {
  if (KUBERNETES_VERSIONS.every((v) => existsSync(join(versionDir(v), '_definitions.json')))) return;
  mkdirSync(cacheDir(), { recursive: true });
  const staging = mkdtempSync(join(cacheDir(), '.kubernetes-validate-'));
  console.log(`fetching kubernetes-validate==${KUBERNETES_VALIDATE} from PyPI for its Kubernetes JSON schemas (once)`);
  try {
    execFileSync(
      'python3',
      ['-m', 'pip', 'download', '--no-deps', '--only-binary=:all:', '--disable-pip-version-check', '-q', '-d', staging, `kubernetes-validate==${KUBERNETES_VALIDATE}`],
      { stdio: ['ignore', 'inherit', 'inherit'] },
    );
    const extract = [
      'import sys, zipfile, glob, os',
      'wheel = glob.glob(os.path.join(sys.argv[1], "*.whl"))[0]',
      'prefixes = [f"kubernetes_validate/kubernetes-json-schema/v{v}-local-strict/" for v in sys.argv[3:]]',
      'z = zipfile.ZipFile(wheel)',
      'for name in z.namelist():',
      '    for p in prefixes:',
      '        if name.startswith(p) and not name.endswith("/"):',
      '            out = os.path.join(sys.argv[2], name[len("kubernetes_validate/kubernetes-json-schema/"):])',
      '            os.makedirs(os.path.dirname(out), exist_ok=True)',
      '            open(out, "wb").write(z.read(name))',
    ].join('\n');
    const unpacked = join(staging, 'schemas');
    execFileSync('python3', ['-c', extract, staging, unpacked, ...KUBERNETES_VERSIONS], { stdio: 'inherit' });
    rmSync(schemaRoot(), { recursive: true, force: true });
    renameSync(unpacked, schemaRoot());
  } catch (error) {
    throw new Error(`could not get the Kubernetes schemas from PyPI (python3 -m pip download kubernetes-validate): ${String(error)}`);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

export interface KubernetesObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: any;
}

/** kubernetes-json-schema file name: <kind>[-<group prefix>]-<version>.json */
function schemaFile(apiVersion: string, kind: string): string {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  const groupPart = group ? `-${group.split('.')[0]}` : '';
  return `${kind.toLowerCase()}${groupPart}-${version}.json`;
}

export class KubernetesValidator {
  private readonly ajv: Ajv2020;
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(readonly kubernetesVersion: string) {
    const dir = versionDir(kubernetesVersion);
    if (!existsSync(dir)) throw new Error(`${dir} is missing: run the manifests project (its globalSetup fetches it)`);
    this.ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
    this.ajv.addSchema(JSON.parse(readFileSync(join(dir, '_definitions.json'), 'utf8')));
  }

  /** True when this Kubernetes version knows the kind (core and built-in API groups only). */
  knows(object: KubernetesObject): boolean {
    return existsSync(join(versionDir(this.kubernetesVersion), schemaFile(object.apiVersion, object.kind)));
  }

  /** Problems of the object against the schema of its apiVersion/kind: [] when valid. */
  validate(object: KubernetesObject): string[] {
    const file = schemaFile(object.apiVersion, object.kind);
    let validate = this.compiled.get(file);
    if (!validate) {
      const path = join(versionDir(this.kubernetesVersion), file);
      if (!existsSync(path)) return [`Kubernetes ${this.kubernetesVersion} has no ${object.apiVersion} ${object.kind}`];
      validate = this.ajv.compile(JSON.parse(readFileSync(path, 'utf8')));
      this.compiled.set(file, validate);
    }
    if (validate(object)) return [];
    return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`);
  }
}
