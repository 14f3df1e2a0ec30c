import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import { parseAllDocuments } from 'yaml';
import type { KubernetesObject } from './kubernetes-schemas';

/** <repo>/../shared/schemas/strimzi-1.2.0: CI lays shared/ beside the clone. */
export const STRIMZI_SCHEMA_DIR = resolve(__dirname, '../../../..', 'shared', 'schemas', 'strimzi-1.2.0');

/**
 * The Prometheus Operator whose CRDs (monitoring.coreos.com/v1) the chart's ServiceMonitors and
 * PrometheusRule are checked against: its module from the Go module proxy (the newest version it
 * serves here), whose example/prometheus-operator-crd holds the CRDs of that release.
 */
export const PROMETHEUS_OPERATOR = { module: 'github.com/prometheus-operator/prometheus-operator', version: 'v0.85.0' };

/** The CRD directory of PROMETHEUS_OPERATOR, downloaded once into Go's module cache. */
export function prometheusOperatorCrdDir(): string {
  const { module, version } = PROMETHEUS_OPERATOR;
  let info: { Dir?: string; Error?: string };
  try {
    info = JSON.parse(execFileSync('go', ['mod', 'download', '-json', `${module}@${version}`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }));
  } catch (error) {
    throw new Error(`could not get ${module}@${version} from the Go module proxy (is \`go\` on PATH?): ${String(error)}`);
  }
  if (!info.Dir) throw new Error(`go mod download ${module}@${version}: ${info.Error}`);
  return join(info.Dir, 'example', 'prometheus-operator-crd');
}

/** The API server drops fields a CRD does not declare: make a misspelt key an error instead. */
function forbidUnknownFields(schema: any): any {
  if (Array.isArray(schema)) return schema.map(forbidUnknownFields);
  if (!schema || typeof schema !== 'object') return schema;
  const copy: any = Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, forbidUnknownFields(v)]));
  if (copy.properties && copy.additionalProperties === undefined && !copy['x-kubernetes-preserve-unknown-fields']) {
    copy.additionalProperties = false;
  }
  return copy;
}

/** CRD patterns are Go (RE2) expressions: a `(?i)` inside one becomes JavaScript's i flag for the whole pattern. */
const goPattern = Object.assign(
  (pattern: string, flags: string) => (pattern.includes('(?i)') ? new RegExp(pattern.replaceAll('(?i)', ''), `${flags}i`) : new RegExp(pattern, flags)),
  { code: 'goPattern' },
);

/** Validates custom resources against the openAPIV3Schema of the CRDs in the YAML files of a directory. */
export class CrdValidator {
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(readonly source: string, dir: string, fileFilter: RegExp) {
    if (!existsSync(dir)) throw new Error(`${source} CRD schemas not found at ${dir}`);
    // OpenAPI v3 with x-kubernetes-* keywords: not strict JSON Schema.
    const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false, code: { regExp: goPattern } });
    for (const file of readdirSync(dir).filter((f) => fileFilter.test(f))) {
      for (const doc of parseAllDocuments(readFileSync(join(dir, file), 'utf8'))) {
        const crd = doc.toJS();
        if (crd?.kind !== 'CustomResourceDefinition') continue;
        for (const version of crd.spec.versions) {
          const key = `${crd.spec.group}/${version.name}/${crd.spec.names.kind}`;
          this.validators.set(key, ajv.compile(forbidUnknownFields(version.schema.openAPIV3Schema)));
        }
      }
    }
  }

  get kinds(): string[] {
    return [...this.validators.keys()];
  }

  validate(object: KubernetesObject): string[] {
    const validate = this.validators.get(`${object.apiVersion}/${object.kind}`);
    if (!validate) return [`no ${this.source} CRD serves ${object.apiVersion} ${object.kind}`];
    if (validate(object)) return [];
    return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`);
  }
}

/** kafka.strimzi.io resources against the Strimzi 1.2.0 CRDs (shared/ must lie beside the repository). */
export class StrimziValidator extends CrdValidator {
  constructor(dir: string = STRIMZI_SCHEMA_DIR) {
    super('Strimzi 1.2.0', dir, /Crd-.*\.yaml$/);
  }
}

/** monitoring.coreos.com resources against the CRDs of PROMETHEUS_OPERATOR. */
export class PrometheusOperatorValidator extends CrdValidator {
  constructor() {
    super(`Prometheus Operator ${PROMETHEUS_OPERATOR.version}`, prometheusOperatorCrdDir(), /^monitoring\.coreos\.com_(servicemonitors|podmonitors|prometheusrules|prometheuses)\.yaml$/);
  }
}
