import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import { TSchema } from '@sinclair/typebox';
import { FieldError } from './problem';

/**
 * Exact "at most N decimals" for multipleOf of a power of ten: 19.99 passes
 * though 19.99 / 0.01 is not an integer in binary floating point.
 */
function isMultipleOf(value: number, step: number): boolean {
  const decimals = Math.round(-Math.log10(step));
  if (decimals >= 0 && decimals <= 15 && Math.abs(10 ** -decimals - step) < Number.EPSILON) {
    return Number.isFinite(value) && Number(value.toFixed(decimals)) === value;
  }
  const q = value / step;
  return Number.isFinite(q) && Math.abs(q - Math.round(q)) < 1e-9;
}

const ajv = new Ajv({ allErrors: true, strict: true, coerceTypes: false, useDefaults: false });
ajv.removeKeyword('multipleOf');
ajv.addKeyword({
  keyword: 'multipleOf',
  type: 'number',
  schemaType: 'number',
  error: { message: ({ schema }) => `must have at most ${Math.round(-Math.log10(schema as number))} decimal places` },
  validate: (step: number, value: number) => isMultipleOf(value, step),
});

const cache = new WeakMap<TSchema, ValidateFunction>();

function message(e: ErrorObject): string {
  switch (e.keyword) {
    case 'required':
      return 'is required';
    case 'additionalProperties':
      return 'is not an allowed field';
    case 'exclusiveMinimum':
      return `must be greater than ${e.params.limit}`;
    case 'exclusiveMaximum':
      return `must be less than ${e.params.limit}`;
    case 'minLength':
      return e.params.limit === 1 ? 'must not be empty' : `must have at least ${e.params.limit} characters`;
    case 'maxLength':
      return `must have at most ${e.params.limit} characters`;
    default:
      return e.message ?? 'is invalid';
  }
}

function pointer(e: ErrorObject): string {
  if (e.keyword === 'required') return `#${e.instancePath}/${e.params.missingProperty}`;
  if (e.keyword === 'additionalProperties') return `#${e.instancePath}/${e.params.additionalProperty}`;
  return `#${e.instancePath}`;
}

/** Validates `value` against `schema`; returns field errors, empty when valid. */
export function validate(schema: TSchema, value: unknown): FieldError[] {
  let check = cache.get(schema);
  if (!check) {
    check = ajv.compile(schema);
    cache.set(schema, check);
  }
  if (check(value)) return [];
  return (check.errors ?? []).map((e) => ({ pointer: pointer(e), detail: message(e) }));
}

export { isMultipleOf };
