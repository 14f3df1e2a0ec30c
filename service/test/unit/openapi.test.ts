import { TEXT_PATTERN } from '../../src/contract/book-schema';
import { bookApi } from '../../src/api/http/operation-inputs';
import { openApiDocument } from '../../src/api/http/openapi';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const doc = openApiDocument('9.9.9') as any;
const operations = Object.values(doc.paths).flatMap((item) => Object.values(item as object)) as {
  operationId?: string;
  parameters?: { name: string; in: string; required: boolean; schema: Record<string, unknown> }[];
  responses: Record<string, { links?: Record<string, { operationId: string; parameters: Record<string, string> }> }>;
}[];
const operation = (id: string) => operations.find((o) => o.operationId === id)!;
const parameter = (id: string, name: string) => operation(id).parameters!.find((p) => p.name === name)!;

describe('/openapi.json', () => {
  it('publishes every declared input of every books operation, and nothing else', () => {
    for (const [id, inputs] of Object.entries(bookApi)) {
      const declared = (['path', 'query', 'header'] as const).flatMap((location) => {
        const object = (inputs as Record<string, { properties: object } | undefined>)[location];
        return object ? Object.keys(object.properties).map((name) => `${location}:${name}`) : [];
      });
      expect((operation(id).parameters ?? []).map((p) => `${p.in}:${p.name}`)).toEqual(declared);
    }
  });

  it('says what the service checks: integers, ranges, the key pattern, text without U+0000', () => {
    expect(parameter('listBooks', 'limit').schema).toEqual({ type: 'integer', minimum: 1, maximum: 1000, default: 100 });
    expect(parameter('listBooks', 'after').schema).toEqual({ type: 'integer', minimum: 0, maximum: 2147483647 });
    expect(parameter('getBook', 'id')).toMatchObject({ in: 'path', required: true, schema: { type: 'integer', minimum: 1, maximum: 2147483647 } });
    expect(parameter('addBook', 'Idempotency-Key')).toMatchObject({
      required: false,
      schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7e]+$' },
    });
    for (const field of ['title', 'author']) {
      expect(doc.components.schemas.NewBook.properties[field]).toMatchObject({ minLength: 1, maxLength: 255, pattern: TEXT_PATTERN });
    }
  });

  it('links each added book to the operations that take its id', () => {
    const links = operation('addBook').responses['201'].links!;
    for (const link of Object.values(links)) {
      expect(operation(link.operationId).parameters!.map((p) => p.name)).toEqual(Object.keys(link.parameters));
    }
  });

  it('carries the version it is given', () => {
    expect(doc.info.version).toBe('9.9.9');
  });
});
