import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import { Static, TObject, TSchema } from '@sinclair/typebox';

/** One invalid input: where (a JSON pointer) and why. */
export interface FieldError {
  /** JSON pointer into the request, e.g. "#/price". */
  pointer: string;
  detail: string;
}

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

const ajv = new Ajv({ allErrors: true, strict: true, coerceTypes: false, useDefaults: false, verbose: true });
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
    case 'minimum':
      return `must be at least ${e.params.limit}`;
    case 'maximum':
      return `must be at most ${e.params.limit}`;
    case 'type':
      return `must be ${e.params.type === 'integer' ? 'an integer' : `of type ${e.params.type}`}`;
    case 'pattern':
      return describePattern(e);
    default:
      return e.message ?? 'is invalid';
  }
}

function pointer(e: ErrorObject): string {
  if (e.keyword === 'required') return `#${e.instancePath}/${e.params.missingProperty}`;
  if (e.keyword === 'additionalProperties') return `#${e.instancePath}/${e.params.additionalProperty}`;
  return `#${e.instancePath}`;
}

/** A failed pattern, said in words where the value shows what is wrong. */
function describePattern(e: ErrorObject): string {
  const value = e.data;
  if (typeof value === 'string') {
    if (value.includes('\u0000')) return 'must not contain U+0000 (NUL)';
    if (value.trim() === '') return 'must not be empty or only whitespace';
  }
  return `must match the pattern ${e.params.pattern}`;
}

/**
 * Validates `value` against `schema`; returns field errors (one per field, the first
 * rule it breaks), empty when valid. Prefix puts the pointers under a part of the
 * request, e.g. "/query".
 */
export function validate(schema: TSchema, value: unknown, prefix = ''): FieldError[] {
  let check = cache.get(schema);
  if (!check) {
    check = ajv.compile(schema);
    cache.set(schema, check);
  }
  if (check(value)) return [];
  const errors = new Map<string, string>();
  for (const e of check.errors ?? []) {
    const at = pointer(e).replace(/^#/, `#${prefix}`);
    if (!errors.has(at)) errors.set(at, message(e));
  }
  return [...errors].map(([at, detail]) => ({ pointer: at, detail }));
}

/** A canonical decimal integer, as a client that serialises an integer sends it: no sign +, no leading zero, no exponent. */
const INTEGER = /^-?(0|[1-9][0-9]*)$/;

/**
 * Path, query and header parameters arrive as strings. Each is read as the type its
 * schema declares (an `integer` from its canonical decimal form only; otherwise it stays a
 * string and fails the type check), then the whole set is validated against the schema.
 * Undeclared parameters are ignored; a repeated query parameter arrives as an array and
 * fails the type check.
 */
export function parseParameters<T extends TObject>(
  schema: T,
  location: string,
  raw: Record<string, unknown>,
): { value: Static<T>; errors: FieldError[] } {
  const value: Record<string, unknown> = {};
  for (const [name, property] of Object.entries(schema.properties)) {
    const given = raw[name];
    if (given === undefined) continue;
    const type = (property as { type?: string }).type;
    value[name] = type === 'integer' && typeof given === 'string' && INTEGER.test(given) ? Number(given) : given;
  }
  return { value: value as Static<T>, errors: validate(schema, value, `/${location}`) };
}

export { isMultipleOf };
