import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import { parseAllDocuments } from 'yaml';
import type { KubernetesObject } from './kubernetes-schemas';

/** <repo>/../shared/schemas/strimzi-1.2.0: CI lays shared/ beside the clone. */
export const STRIMZI_SCHEMA_DIR = resolve(__dirname, '../../../..', 'shared', 'schemas', 'strimzi-1.2.0');

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

/** Validates kafka.strimzi.io resources against the openAPIV3Schema of the Strimzi 1.2.0 CRDs. */
export class StrimziValidator {
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(dir: string = STRIMZI_SCHEMA_DIR) {
    if (!existsSync(dir)) throw new Error(`Strimzi CRD schemas not found at ${dir}: shared/ must lie beside the repository`);
    // OpenAPI v3 with x-kubernetes-* keywords: not strict JSON Schema.
    const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
    for (const file of readdirSync(dir).filter((f) => /Crd-.*\.yaml$/.test(f))) {
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
    if (!validate) return [`no Strimzi 1.2.0 CRD serves ${object.apiVersion} ${object.kind}`];
    if (validate(object)) return [];
    return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`);
  }
}
