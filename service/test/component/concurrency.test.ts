import { json, useServiceAndDatabase } from '../support/test-service';

const env = useServiceAndDatabase();

const eventsOf = async (id: number, type: string) =>
  (await env.db.admin.query('SELECT id FROM outbox WHERE aggregateid = $1 AND type = $2', [String(id), type])).rowCount;

it('20 concurrent DELETEs of one book give exactly one 204 and one BookDeleted', async () => {
  const book = await json(await env.api.postJson('/books', { title: 'Contested', author: 'C', price: 5 }));
  const statuses = await Promise.all(Array.from({ length: 20 }, () => env.api.request(`/books/${book.id}`, { method: 'DELETE' }).then((r) => r.status)));
  expect(statuses.filter((s) => s === 204)).toHaveLength(1);
  expect(statuses.filter((s) => s === 404)).toHaveLength(19);
  expect(await eventsOf(book.id, 'BookDeleted')).toBe(1);
});

describe('Idempotency-Key', () => {
  const body = { title: 'Once', author: 'I', price: 7.25 };

  it('replays the first response for a retry and creates nothing more', async () => {
    const headers = { 'Idempotency-Key': 'retry-1' };
    const first = await env.api.postJson('/books', body, headers);
    expect(first.status).toBe(201);
    const book = await json(first);
    const retry = await env.api.postJson('/books', { ...body, title: ` ${body.title} ` }, headers);
    expect(retry.status).toBe(201);
    expect(retry.headers.get('location')).toBe(`/books/${book.id}`);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(await json(retry)).toEqual(book);
    expect((await env.db.admin.query("SELECT 1 FROM books WHERE title = 'Once'")).rowCount).toBe(1);
    expect(await eventsOf(book.id, 'BookAdded')).toBe(1);
  });

  it('rejects the same key with a different body with a 422 problem and writes nothing', async () => {
    const headers = { 'Idempotency-Key': 'retry-2' };
    expect((await env.api.postJson('/books', body, headers)).status).toBe(201);
    const before = (await env.db.admin.query('SELECT count(*)::int AS n FROM outbox')).rows[0].n;
    const res = await env.api.postJson('/books', { ...body, price: 8 }, headers);
    expect(res.status).toBe(422);
    expect(await json(res)).toMatchObject({ status: 422, title: 'Idempotency-Key reused' });
    expect((await env.db.admin.query('SELECT count(*)::int AS n FROM outbox')).rows[0].n).toBe(before);
  });

  it('creates one book when the same request is retried concurrently', async () => {
    const headers = { 'Idempotency-Key': 'concurrent-1' };
    const concurrent = { title: 'Concurrent', author: 'I', price: 9 };
    const responses = await Promise.all(Array.from({ length: 10 }, () => env.api.postJson('/books', concurrent, headers)));
    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(201));
    const ids = new Set(await Promise.all(responses.map(async (r) => (await json(r)).id)));
    expect(ids.size).toBe(1);
    const { rows } = await env.db.admin.query("SELECT id FROM books WHERE title = 'Concurrent'");
    expect(rows).toHaveLength(1);
    expect(await eventsOf(rows[0].id, 'BookAdded')).toBe(1);
  });

  it('treats requests without a key as distinct', async () => {
    const a = await json(await env.api.postJson('/books', body));
    const b = await json(await env.api.postJson('/books', body));
    expect(a.id).not.toBe(b.id);
  });
});
