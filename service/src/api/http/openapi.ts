import { TSchema } from '@sinclair/typebox';
import { Book } from '../../contract/book-schema';
import { BODY_LIMIT, bookApi, OperationInputs, PARAMETER_LOCATIONS } from './operation-inputs';

/** Plain JSON of a TypeBox schema (drops the symbol keys TypeBox adds). */
const json = (schema: TSchema): Record<string, unknown> => JSON.parse(JSON.stringify(schema));

const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
});

/** The parameters and the request body of an operation, from the schemas that validate them (operation-inputs.ts). */
function inputs(operation: OperationInputs): Record<string, unknown> {
  const parameters = PARAMETER_LOCATIONS.flatMap((location) => {
    const object = operation[location];
    if (!object) return [];
    return Object.entries(object.properties).map(([name, property]) => {
      const { description, ...schema } = json(property);
      return { name, in: location, required: object.required?.includes(name) ?? false, ...(description ? { description } : {}), schema };
    });
  });
  const body = operation.body;
  return {
    ...(parameters.length ? { parameters } : {}),
    ...(body
      ? { requestBody: { required: true, content: { 'application/json': { schema: { $ref: `#/components/schemas/${body.title}` } } } } }
      : {}),
  };
}

/** OpenAPI 3.1, built from the same schemas that validate requests. */
export function openApiDocument(version: string): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Book Service',
      version,
      description:
        'Every change commits its domain event to an outbox table in the same PostgreSQL transaction; ' +
        'Debezium streams the events to the Kafka topic books.events.',
    },
    servers: [{ url: '/' }],
    paths: {
      '/books': {
        post: {
          summary: 'Add a book (writes BookAdded to the outbox in the same transaction)',
          operationId: 'addBook',
          ...inputs(bookApi.addBook),
          responses: {
            201: {
              description: `Created (request bodies up to ${BODY_LIMIT})`,
              headers: { Location: { schema: { type: 'string' }, description: '/books/{id}' } },
              content: { 'application/json': { schema: { $ref: '#/components/schemas/Book' } } },
              links: {
                GetBook: { operationId: 'getBook', parameters: { id: '$response.body#/id' }, description: 'The book just added' },
                DeleteBook: { operationId: 'deleteBook', parameters: { id: '$response.body#/id' }, description: 'Delete the book just added' },
              },
            },
            400: problem('Malformed JSON or invalid header'),
            413: problem('Body too large'),
            415: problem('Not application/json'),
            422: problem('Invalid fields, or Idempotency-Key reused with another body'),
            503: problem('Database unavailable'),
          },
        },
        get: {
          summary: 'List books in id order (keyset pagination)',
          operationId: 'listBooks',
          ...inputs(bookApi.listBooks),
          responses: {
            200: {
              description: 'A page of books; a Link header with rel="next" when more remain',
              headers: { Link: { schema: { type: 'string' } } },
              content: { 'application/json': { schema: { type: 'array', items: { $ref: '#/components/schemas/Book' } } } },
            },
            400: problem('Invalid limit or cursor'),
            503: problem('Database unavailable'),
          },
        },
      },
      '/books/{id}': {
        get: {
          summary: 'Get one book',
          operationId: 'getBook',
          ...inputs(bookApi.getBook),
          responses: {
            200: { description: 'The book', content: { 'application/json': { schema: { $ref: '#/components/schemas/Book' } } } },
            400: problem('Invalid id'),
            404: problem('No such book'),
            503: problem('Database unavailable'),
          },
        },
        delete: {
          summary: 'Delete a book (writes BookDeleted to the outbox in the same transaction)',
          operationId: 'deleteBook',
          ...inputs(bookApi.deleteBook),
          responses: {
            204: { description: 'Deleted' },
            400: problem('Invalid id'),
            404: problem('No such book; no event is written'),
            503: problem('Database unavailable'),
          },
        },
      },
      '/healthz': { get: { summary: 'Liveness', responses: { 200: { description: 'Alive' } } } },
      '/readyz': { get: { summary: 'Readiness: database reachable and not draining', responses: { 200: { description: 'Ready' }, 503: { description: 'Not ready' } } } },
      '/metrics': { get: { summary: 'Prometheus metrics', responses: { 200: { description: 'Prometheus text format' } } } },
    },
    components: {
      schemas: {
        [bookApi.addBook.body.title!]: json(bookApi.addBook.body),
        Book: json(Book),
        Problem: {
          type: 'object',
          description: 'RFC 9457 problem details',
          required: ['type', 'title', 'status', 'detail'],
          properties: {
            type: { type: 'string', format: 'uri' },
            title: { type: 'string' },
            status: { type: 'integer' },
            detail: { type: 'string' },
            instance: { type: 'string' },
            errors: {
              type: 'array',
              items: {
                type: 'object',
                required: ['pointer', 'detail'],
                properties: { pointer: { type: 'string' }, detail: { type: 'string' } },
              },
            },
          },
        },
      },
    },
  };
}
