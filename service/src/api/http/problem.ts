import type { FieldError } from '../../shared/validation';

/** RFC 9457 problem details. */
export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  errors?: FieldError[];
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
const TYPE_BASE = 'https://book-service.dev/problems/';

export class Problem extends Error {
  constructor(
    readonly status: number,
    readonly slug: string,
    readonly title: string,
    detail: string,
    readonly errors?: FieldError[],
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
    this.name = 'Problem';
  }

  toJSON(instance?: string): ProblemDocument {
    return {
      type: TYPE_BASE + this.slug,
      title: this.title,
      status: this.status,
      detail: this.message,
      ...(instance ? { instance } : {}),
      ...(this.errors ? { errors: this.errors } : {}),
    };
  }
}

export const problems = {
  malformedJson: () => new Problem(400, 'malformed-json', 'Malformed JSON', 'The request body is not valid JSON'),
  invalidParameter: (errors: FieldError[]) =>
    new Problem(400, 'invalid-parameter', 'Invalid parameter', 'A path or query parameter is invalid', errors),
  notFound: (detail: string) => new Problem(404, 'not-found', 'Not found', detail),
  methodNotAllowed: (allow: string) =>
    new Problem(405, 'method-not-allowed', 'Method not allowed', `Allowed methods: ${allow}`, undefined, { Allow: allow }),
  idempotencyKeyReused: (detail: string) => new Problem(422, 'idempotency-key-reused', 'Idempotency-Key reused', detail),
  tooLarge: (limit: string) => new Problem(413, 'payload-too-large', 'Payload too large', `The request body exceeds ${limit}`),
  unsupportedMediaType: () =>
    new Problem(415, 'unsupported-media-type', 'Unsupported media type', 'Send the body as application/json', undefined, {
      'Accept-Post': 'application/json',
    }),
  validation: (errors: FieldError[]) =>
    new Problem(422, 'validation-failed', 'Validation failed', 'The request body has invalid fields', errors),
  unavailable: () =>
    new Problem(503, 'database-unavailable', 'Service unavailable', 'The database cannot be reached; retry later', undefined, {
      'Retry-After': '1',
    }),
  internal: () => new Problem(500, 'internal-error', 'Internal server error', 'An unexpected error occurred; it has been logged'),
};
