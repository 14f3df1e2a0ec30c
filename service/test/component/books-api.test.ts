import { json, useServiceAndDatabase } from '../support/test-service';

const env = useServiceAndDatabase();

async function outboxFor(id: number) {
  const { rows } = await env.db.admin.query(
    'SELECT id, aggregatetype, aggregateid, type, payload, occurred_at FROM outbox WHERE aggregateid = $1 ORDER BY occurred_at, type',
    [String(id)],
  );
  return rows;
}

describe('POST /books', () => {
  it('creates the book and its BookAdded event in one transaction', async () => {
    const res = await env.api.postJson('/books', { title: '  Miro ', author: 'Roqq', price: 100 });
    expect(res.status).toBe(201);
    const book = await json(res);
    expect(book).toEqual({ id: expect.any(Number), title: 'Miro', author: 'Roqq', price: 100 });
    expect(res.headers.get('location')).toBe(`/books/${book.id}`);

    const { rows } = await env.db.admin.query('SELECT id, title, author, price::text FROM books WHERE id = $1', [book.id]);
    expect(rows).toEqual([{ id: book.id, title: 'Miro', author: 'Roqq', price: '100.00' }]);
    const events = await outboxFor(book.id);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ aggregatetype: 'Book', aggregateid: String(book.id), type: 'BookAdded', payload: book });
    expect(events[0].id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it.each([
    ['a backslash and a zero', 'C:\\0 and \\u0000'],
    ['quotes and control characters', '"q" \'s\' \u0001\u001f\u007f'],
    ['astral and combining characters', '😀 e\u0301 𝄞 \u202e'],
    ['255 astral characters', '😀'.repeat(255)],
  ])('returns exactly what it stored: %s', async (_, text) => {
    const padded = [...text].length < 250 ? `  ${text}\t` : text;
    const res = await env.api.postJson('/books', { title: text, author: padded, price: 0.07 });
    expect(res.status).toBe(201);
    const book = await json(res);
    expect(book).toEqual({ id: expect.any(Number), title: text, author: text, price: 0.07 });
    const { rows } = await env.db.admin.query('SELECT title, author, price::text FROM books WHERE id = $1', [book.id]);
    expect(rows).toEqual([{ title: text, author: text, price: '0.07' }]);
    expect((await outboxFor(book.id))[0].payload).toEqual(book);
    expect(await json(await env.api.request(`/books/${book.id}`))).toEqual(book);
  });

  it('keeps prices exact to the cent', async () => {
    const res = await env.api.postJson('/books', { title: 'Cents', author: 'A', price: 99999999.99 });
    expect(res.status).toBe(201);
    const book = await json(res);
    expect(book.price).toBe(99999999.99);
    const { rows } = await env.db.admin.query('SELECT price::text FROM books WHERE id = $1', [book.id]);
    expect(rows[0].price).toBe('99999999.99');
    const [event] = await outboxFor(book.id);
    expect(event.payload.price).toBe(99999999.99);
  });
});

describe('GET /books', () => {
  it('returns one book by id, and 404 for an absent one', async () => {
    const created = await json(await env.api.postJson('/books', { title: 'One', author: 'B', price: 12.5 }));
    const res = await env.api.request(`/books/${created.id}`);
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual(created);
    const missing = await env.api.request('/books/2000000000');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toContain('application/problem+json');
    expect(await json(missing)).toMatchObject({ status: 404, title: 'Not found' });
  });

  it('pages through all books in id order with a keyset cursor and a Link header', async () => {
    for (let i = 0; i < 7; i++) await env.api.postJson('/books', { title: `Page ${i}`, author: 'P', price: 1 + i });
    const { rows } = await env.db.admin.query('SELECT id FROM books ORDER BY id');
    const expected = rows.map((r) => r.id);

    const seen: number[] = [];
    let next: string | null = '/books?limit=3';
    let pages = 0;
    while (next) {
      const res = await env.api.request(next);
      expect(res.status).toBe(200);
      const page = (await json(res)) as { id: number }[];
      expect(page.length).toBeLessThanOrEqual(3);
      seen.push(...page.map((b) => b.id));
      const link = res.headers.get('link');
      next = link ? /^<([^>]+)>; rel="next"$/.exec(link)![1] : null;
      pages++;
    }
    expect(seen).toEqual(expected);
    expect(pages).toBe(Math.ceil(expected.length / 3));

    const all = await env.api.request('/books');
    expect(((await json(all)) as { id: number }[]).map((b) => b.id)).toEqual(expected);
    expect(all.headers.get('link')).toBeNull();
  });
});

describe('DELETE /books/{id}', () => {
  it('deletes the book and records BookDeleted with its last state', async () => {
    const book = await json(await env.api.postJson('/books', { title: 'Gone', author: 'C', price: 3.1 }));
    const res = await env.api.request(`/books/${book.id}`, { method: 'DELETE' });
    expect(res.status).toBe(204);
    expect(await res.text()).toBe('');
    const { rowCount } = await env.db.admin.query('SELECT 1 FROM books WHERE id = $1', [book.id]);
    expect(rowCount).toBe(0);
    const events = await outboxFor(book.id);
    expect(events.map((e) => e.type)).toEqual(['BookAdded', 'BookDeleted']);
    expect(events[1].payload).toEqual(book);
    expect(events[1].id).not.toBe(events[0].id);
  });

  it('answers 404 for an absent book and writes no event', async () => {
    const before = await env.db.admin.query('SELECT count(*)::int AS n FROM outbox');
    const res = await env.api.request('/books/1999999999', { method: 'DELETE' });
    expect(res.status).toBe(404);
    expect(await json(res)).toMatchObject({ status: 404 });
    const after = await env.db.admin.query('SELECT count(*)::int AS n FROM outbox');
    expect(after.rows[0].n).toBe(before.rows[0].n);
  });
});
