import { QueryTypes, Sequelize } from 'sequelize';
import { Outbox } from '../outbox/outbox';
import { BookRow, toBook } from '../../contract/book-events';
import { Book, NewBook } from '../../contract/book-schema';
import { claimKey, requestHash, storeResponse } from './idempotency';
import { ADD_BOOK, DELETE_BOOK, GET_BOOK, LIST_BOOKS } from './statements';

export interface WriteOptions {
  /** W3C traceparent of the request, stored with the event. */
  traceparent?: string;
  idempotencyKey?: string;
}

export interface AddResult {
  book: Book;
  /** True when an Idempotency-Key replay returned the first response. */
  replayed: boolean;
}

/**
 * The books aggregate, on one Sequelize instance (no state shared between stores). Every
 * change runs in one managed transaction together with its outbox event: both commit or
 * neither does. Reads and writes are the statements of statements.ts.
 */
export class BookStore {
  constructor(
    private readonly sequelize: Sequelize,
    private readonly outbox: Outbox,
  ) {}

  async add(book: NewBook, options: WriteOptions = {}): Promise<AddResult> {
    return this.sequelize.transaction(async (t) => {
      const key = options.idempotencyKey;
      if (key) {
        const previous = await claimKey(this.sequelize, t, key, requestHash(book));
        if (previous) return { book: previous.body as Book, replayed: true };
      }
      const payload = await this.outbox.append<Book>(t, ADD_BOOK, { title: book.title, author: book.author, price: book.price }, options.traceparent);
      if (!payload) throw new Error('insert returned no row');
      const added = toBook(payload);
      if (key) await storeResponse(this.sequelize, t, key, { status: 201, body: added });
      return { book: added, replayed: false };
    });
  }

  /** Deletes the book and records BookDeleted; null (and no event) when it does not exist. */
  async remove(id: number, options: WriteOptions = {}): Promise<Book | null> {
    return this.sequelize.transaction(async (t) => {
      const payload = await this.outbox.append<Book>(t, DELETE_BOOK, { id }, options.traceparent);
      return payload ? toBook(payload) : null;
    });
  }

  async get(id: number): Promise<Book | null> {
    const [row] = await this.sequelize.query<BookRow>(GET_BOOK, { bind: { id }, type: QueryTypes.SELECT });
    return row ? toBook(row) : null;
  }

  /** Books with id > after, in id order; one extra row tells whether more remain. */
  async list(after: number, limit: number): Promise<{ books: Book[]; more: boolean }> {
    const rows = await this.sequelize.query<BookRow>(LIST_BOOKS, { bind: { after, limit: limit + 1 }, type: QueryTypes.SELECT });
    return { books: rows.slice(0, limit).map(toBook), more: rows.length > limit };
  }
}
