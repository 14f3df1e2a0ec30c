import { createTestDatabase, TestDatabase } from '../support/test-database';
import { json, startTestService, TestService } from '../support/test-service';

let db: TestDatabase;
let api: TestService;
let existingId: number;

beforeAll(async () => {
  db = await createTestDatabase();
  api = await startTestService(db);
  existingId = (await json(await api.postJson('/books', { title: 'Kept', author: 'K', price: 1 }))).id;
});
afterAll(async () => {
  await api?.stop();
  await db?.drop();
});

interface BadRequest {
  name: string;
  method?: string;
  path?: string;
  /** A raw body string, sent as is. */
  raw?: string;
  body?: unknown;
  contentType?: string;
  headers?: Record<string, string>;
  status: number;
  /** Field pointer expected among the per-field errors. */
  pointer?: string;
}

const valid = { title: 'T', author: 'A', price: 10 };
const long = 'x'.repeat(256);

const cases: BadRequest[] = [
  { name: 'malformed JSON', raw: '{"title": "T",', status: 400 },
  { name: 'JSON with trailing garbage', raw: '{"title":"T","author":"A","price":1} x', status: 400 },
  { name: 'NaN literal', raw: '{"title":"T","author":"A","price":NaN}', status: 400 },
  { name: 'bare string body', raw: '"a book"', status: 400 },
  { name: 'empty body', raw: '', status: 422 },
  { name: 'text/plain content type', raw: JSON.stringify(valid), contentType: 'text/plain', status: 415 },
  { name: 'form content type', raw: 'title=T&author=A&price=1', contentType: 'application/x-www-form-urlencoded', status: 415 },
  { name: 'no content type', raw: JSON.stringify(valid), contentType: '', status: 415 },
  { name: 'oversized body', body: { ...valid, title: 'x'.repeat(20_000) }, status: 413 },
  { name: 'array body', body: [valid], status: 422 },
  { name: 'null body', raw: 'null', status: 400 },
  { name: '__proto__ key', raw: '{"__proto__":{"admin":true},"title":"T","author":"A","price":1}', status: 400 },
  { name: 'missing title', body: { author: 'A', price: 1 }, status: 422, pointer: '#/title' },
  { name: 'missing author', body: { title: 'T', price: 1 }, status: 422, pointer: '#/author' },
  { name: 'missing price', body: { title: 'T', author: 'A' }, status: 422, pointer: '#/price' },
  { name: 'extra field', body: { ...valid, isbn: '123' }, status: 422, pointer: '#/isbn' },
  { name: 'client-chosen id', body: { ...valid, id: 5 }, status: 422, pointer: '#/id' },
  { name: 'title as number', body: { ...valid, title: 42 }, status: 422, pointer: '#/title' },
  { name: 'author as null', body: { ...valid, author: null }, status: 422, pointer: '#/author' },
  { name: 'price as string', body: { ...valid, price: '10' }, status: 422, pointer: '#/price' },
  { name: 'price as boolean', body: { ...valid, price: true }, status: 422, pointer: '#/price' },
  { name: 'zero price', body: { ...valid, price: 0 }, status: 422, pointer: '#/price' },
  { name: 'negative price', body: { ...valid, price: -5 }, status: 422, pointer: '#/price' },
  { name: 'huge price', body: { ...valid, price: 1e8 }, status: 422, pointer: '#/price' },
  { name: 'overflowing price literal', raw: '{"title":"T","author":"A","price":1e400}', status: 422, pointer: '#/price' },
  { name: 'three-decimal price', body: { ...valid, price: 1.005 }, status: 422, pointer: '#/price' },
  { name: 'tiny price', body: { ...valid, price: 0.001 }, status: 422, pointer: '#/price' },
  { name: 'empty title', body: { ...valid, title: '' }, status: 422, pointer: '#/title' },
  { name: 'whitespace-only author', body: { ...valid, author: ' \t\n ' }, status: 422, pointer: '#/author' },
  { name: 'overlong title', body: { ...valid, title: long }, status: 422, pointer: '#/title' },
  { name: 'overlong author', body: { ...valid, author: long }, status: 422, pointer: '#/author' },
  { name: 'NUL in title', body: { ...valid, title: 'Mi\u0000ro' }, status: 422, pointer: '#/title' },
  { name: 'NUL in author', body: { ...valid, author: '\u0000' }, status: 422, pointer: '#/author' },
  { name: 'NUL after trimmed text', raw: '{"title":"T","author":"A \\u0000","price":1}', status: 422, pointer: '#/author' },
  { name: 'no-break-space-only title', body: { ...valid, title: '\u00a0\ufeff\u3000' }, status: 422, pointer: '#/title' },
  { name: 'overlong title before trimming', body: { ...valid, title: ` ${'x'.repeat(255)}` }, status: 422, pointer: '#/title' },
  { name: 'overlong Idempotency-Key', body: valid, headers: { 'Idempotency-Key': 'x'.repeat(300) }, status: 400, pointer: '#/header/Idempotency-Key' },
  { name: 'empty Idempotency-Key', body: valid, headers: { 'Idempotency-Key': '' }, status: 400, pointer: '#/header/Idempotency-Key' },
  { name: 'Idempotency-Key with a space', body: valid, headers: { 'Idempotency-Key': 'a b' }, status: 400, pointer: '#/header/Idempotency-Key' },
  { name: 'non-ASCII Idempotency-Key', body: valid, headers: { 'Idempotency-Key': 'cl\u00e9' }, status: 400, pointer: '#/header/Idempotency-Key' },
  { name: 'non-numeric id (GET)', method: 'GET', path: '/books/abc', status: 400, pointer: '#/path/id' },
  { name: 'negative id (GET)', method: 'GET', path: '/books/-1', status: 400, pointer: '#/path/id' },
  { name: 'zero id (DELETE)', method: 'DELETE', path: '/books/0', status: 400, pointer: '#/path/id' },
  { name: 'overflowing id (DELETE)', method: 'DELETE', path: '/books/99999999999999999999', status: 400, pointer: '#/path/id' },
  { name: 'id beyond int4 (GET)', method: 'GET', path: '/books/2147483648', status: 400, pointer: '#/path/id' },
  { name: 'fractional id (DELETE)', method: 'DELETE', path: '/books/1.5', status: 400, pointer: '#/path/id' },
  { name: 'id with a leading zero (GET)', method: 'GET', path: '/books/01', status: 400, pointer: '#/path/id' },
  { name: 'id in exponent notation (GET)', method: 'GET', path: '/books/1e3', status: 400, pointer: '#/path/id' },
  { name: 'id with a space (DELETE)', method: 'DELETE', path: '/books/%201', status: 400, pointer: '#/path/id' },
  { name: 'limit 0', method: 'GET', path: '/books?limit=0', status: 400, pointer: '#/query/limit' },
  { name: 'limit above 1000', method: 'GET', path: '/books?limit=1001', status: 400, pointer: '#/query/limit' },
  { name: 'fractional limit', method: 'GET', path: '/books?limit=2.5', status: 400, pointer: '#/query/limit' },
  { name: 'empty limit', method: 'GET', path: '/books?limit=', status: 400, pointer: '#/query/limit' },
  { name: 'hexadecimal limit', method: 'GET', path: '/books?limit=0x10', status: 400, pointer: '#/query/limit' },
  { name: 'non-numeric cursor', method: 'GET', path: '/books?after=abc', status: 400, pointer: '#/query/after' },
  { name: 'negative cursor', method: 'GET', path: '/books?after=-1', status: 400, pointer: '#/query/after' },
  { name: 'cursor beyond int4', method: 'GET', path: '/books?after=2147483648', status: 400, pointer: '#/query/after' },
  { name: 'limit with a plus sign', method: 'GET', path: '/books?limit=%2B5', status: 400, pointer: '#/query/limit' },
  { name: 'title as array', body: { ...valid, title: ['T'] }, status: 422, pointer: '#/title' },
  { name: 'repeated limit', method: 'GET', path: '/books?limit=1&limit=2', status: 400, pointer: '#/query/limit' },
  { name: 'method not allowed', method: 'PUT', path: `/books/1`, raw: '{}', status: 405 },
];

async function counts() {
  const { rows } = await db.admin.query(
    'SELECT (SELECT count(*) FROM books)::int AS books, (SELECT count(*) FROM outbox)::int AS outbox, (SELECT count(*) FROM idempotency_keys)::int AS keys',
  );
  return rows[0];
}

it('has a table of at least 60 distinct bad requests', () => {
  expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
  expect(cases.length).toBeGreaterThanOrEqual(60);
});

it.each(cases)('$name → $status problem, nothing written', async (c) => {
  const before = await counts();
  const method = c.method ?? 'POST';
  const headers: Record<string, string> = { ...c.headers };
  const contentType = c.contentType ?? 'application/json';
  if (contentType && method !== 'GET') headers['content-type'] = contentType;
  const body = method === 'GET' ? undefined : c.raw ?? JSON.stringify(c.body);
  const res = await api.request(c.path ?? '/books', { method, headers, body });

  expect(res.status).toBe(c.status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const problem = await json(res);
  expect(problem).toMatchObject({ status: c.status, type: expect.stringMatching(/^https:\/\//), title: expect.any(String), detail: expect.any(String) });
  expect(JSON.stringify(problem)).not.toMatch(/SELECT|INSERT|at .*\.(ts|js):\d+/);
  if (c.pointer) expect(problem.errors.map((e: { pointer: string }) => e.pointer)).toContain(c.pointer);
  expect(await counts()).toEqual(before);
});

it('reports every invalid field at once', async () => {
  const res = await api.postJson('/books', { title: '', author: 7, price: -1, extra: true });
  expect(res.status).toBe(422);
  const pointers = (await json(res)).errors.map((e: { pointer: string }) => e.pointer).sort();
  expect(pointers).toEqual(['#/author', '#/extra', '#/price', '#/title']);
});

it('names both text fields when each holds a U+0000', async () => {
  const res = await api.postJson('/books', { title: 'a\u0000', author: '\u0000b', price: 1 });
  expect(res.status).toBe(422);
  expect((await json(res)).errors).toEqual([
    { pointer: '#/title', detail: 'must not contain U+0000 (NUL)' },
    { pointer: '#/author', detail: 'must not contain U+0000 (NUL)' },
  ]);
});

it('still serves the book that existed before the bad requests', async () => {
  const res = await api.request(`/books/${existingId}`);
  expect(res.status).toBe(200);
});
