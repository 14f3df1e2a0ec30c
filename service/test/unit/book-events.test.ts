import { createHash } from 'node:crypto';
import { BOOK_AGGREGATE, toBook } from '../../src/contract/book-events';
import { Book, NewBook } from '../../src/contract/book-schema';
import { requestHash } from '../../src/api/books/idempotency';
import { ADD_BOOK, DELETE_BOOK } from '../../src/api/books/statements';
import { placeholders } from '../../../tools/stack/bind';
import { problems } from '../../src/api/http/problem';

describe('book events', () => {
  const statements = { BookAdded: ADD_BOOK, BookDeleted: DELETE_BOOK };

  it.each(Object.entries(statements))('%s: build the payload from the committed row with exactly the Book keys', (_, sql) => {
    const payload = /jsonb_build_object\(([^)]*)\)/.exec(sql)![1];
    const keys = [...payload.matchAll(/'(\w+)', book\.(\w+)/g)].map((m) => [m[1], m[2]]);
    expect(keys).toEqual(Object.keys(Book.properties).map((k) => [k, k]));
  });

  it.each(Object.entries(statements))('%s: change the book and append one outbox row per changed row, in one statement', (type, sql) => {
    expect(sql).toMatch(/^\s*WITH book AS \(\s*(INSERT INTO|DELETE FROM) books/);
    expect(sql).toMatch(/INSERT INTO outbox \(id, aggregatetype, aggregateid, type, payload, occurred_at, traceparent\)/);
    expect(sql).toContain(`SELECT $eventId, '${BOOK_AGGREGATE}', book.id::text, '${type}',`);
    expect(sql).toMatch(/now\(\) AT TIME ZONE 'UTC', \$traceparent\s+FROM book\s+RETURNING payload$/);
    expect(sql.match(/;/g)).toBeNull();
  });

  it('bind the values, never interpolate them', () => {
    expect(placeholders(ADD_BOOK)).toEqual([...Object.keys(NewBook.properties), 'eventId', 'traceparent']);
    expect(placeholders(DELETE_BOOK)).toEqual(['id', 'eventId', 'traceparent']);
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

  it('covers every field of NewBook: a change to any one of them is another request', () => {
    const book: NewBook = { title: 'T', author: 'A', price: 1 };
    const fields = Object.keys(NewBook.properties) as Array<keyof NewBook>;
    expect(fields.sort()).toEqual(Object.keys(book).sort());
    for (const field of fields) {
      const changed = { ...book, [field]: typeof book[field] === 'number' ? 2 : 'other' };
      expect({ field, same: requestHash(changed) === requestHash(book) }).toEqual({ field, same: false });
    }
  });

  it('is the hash keys already stored carry: sha256 of [title, author, price]', () => {
    const hash = requestHash({ title: 'Miro', author: 'Roqq', price: 100 });
    expect(hash).toBe(createHash('sha256').update(JSON.stringify(['Miro', 'Roqq', 100])).digest('hex'));
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
