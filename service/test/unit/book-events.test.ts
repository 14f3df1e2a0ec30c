import { bookPayloadSql, toBook } from '../../src/books/book-events';
import { requestHash } from '../../src/books/idempotency';
import { insertEventFrom } from '../../src/outbox/outbox-sql';
import { problems } from '../../src/http/problem';

describe('book events', () => {
  it('build the payload from the committed row with exactly the Book keys', () => {
    const sql = bookPayloadSql('book');
    const keys = [...sql.matchAll(/'(\w+)', book\.(\w+)/g)].map((m) => [m[1], m[2]]);
    expect(keys).toEqual([['id', 'id'], ['title', 'title'], ['author', 'author'], ['price', 'price']]);
  });

  it('insert one outbox row per source row with the event id, type and traceparent bound, never interpolated', () => {
    const sql = insertEventFrom('book', { aggregateType: 'Book', aggregateId: 'book.id::text', payload: 'p' });
    expect(sql).toMatch(/INSERT INTO outbox \(id, aggregatetype, aggregateid, type, payload, occurred_at, traceparent\)/);
    expect(sql).toMatch(/SELECT \$eventId, 'Book', book\.id::text, \$eventType, p,/);
    expect(sql).toMatch(/now\(\) AT TIME ZONE 'UTC', \$traceparent/);
    expect(sql).toMatch(/FROM book\s+RETURNING payload$/);
  });

  it('turn exact decimal strings into JSON numbers', () => {
    expect(toBook({ id: 3, title: 'Miro', author: 'Roqq', price: '100.00' })).toEqual({ id: 3, title: 'Miro', author: 'Roqq', price: 100 });
    expect(toBook({ id: 4, title: 't', author: 'a', price: '99999999.99' }).price).toBe(99999999.99);
  });
});

describe('idempotency request hash', () => {
  it('is equal for equal books and differs otherwise', () => {
    const a = requestHash({ title: 'T', author: 'A', price: 1 });
    expect(requestHash({ title: 'T', author: 'A', price: 1.0 })).toBe(a);
    expect(requestHash({ title: 'T', author: 'A', price: 1.01 })).not.toBe(a);
    expect(requestHash({ title: 'TA', author: '', price: 1 })).not.toBe(requestHash({ title: 'T', author: 'A', price: 1 }));
  });
});

describe('problem documents', () => {
  it('follow RFC 9457 with per-field errors', () => {
    const doc = problems.validation([{ pointer: '#/price', detail: 'must be greater than 0' }]).toJSON('/books');
    expect(doc).toEqual({
      type: expect.stringMatching(/^https:\/\/.+\/validation-failed$/),
      title: 'Validation failed',
      status: 422,
      detail: expect.any(String),
      instance: '/books',
      errors: [{ pointer: '#/price', detail: 'must be greater than 0' }],
    });
  });
});
