import { randomUUID } from 'node:crypto';
import { Op, QueryTypes, Sequelize, Transaction } from 'sequelize';
import { DELETE_EVENT, insertEventFrom } from '../outbox/outbox-sql';
import { BOOK_AGGREGATE, BookEventType, bookPayloadSql, toBook } from './book-events';
import { BookRow, defineBookRow } from './book-model';
import { Book, NewBook } from './book-schema';
import { claimKey, requestHash, storeResponse } from './idempotency';

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

const eventFor = (source: string) =>
  insertEventFrom(source, { aggregateType: BOOK_AGGREGATE, aggregateId: `${source}.id::text`, payload: bookPayloadSql(source) });

export const ADD_BOOK = `
  WITH book AS (
    INSERT INTO books (title, author, price) VALUES ($title, $author, $price)
    RETURNING id, title, author, price)
  ${eventFor('book')}`;

const DELETE_BOOK = `
  WITH book AS (DELETE FROM books WHERE id = $id RETURNING id, title, author, price)
  ${eventFor('book')}`;

/**
 * The books aggregate. Every change runs in one managed transaction together
 * with its outbox event: both commit or neither does.
 */
export class BookStore {
  private readonly rows: typeof BookRow;

  constructor(
    private readonly sequelize: Sequelize,
    private readonly outboxRetentionSeconds: number,
  ) {
    this.rows = defineBookRow(sequelize);
  }

  async add(book: NewBook, options: WriteOptions = {}): Promise<AddResult> {
    return this.sequelize.transaction(async (t) => {
      const key = options.idempotencyKey;
      if (key) {
        const previous = await claimKey(this.sequelize, t, key, requestHash(book));
        if (previous) return { book: previous.body as Book, replayed: true };
      }
      const added = await this.writeWithEvent(t, ADD_BOOK, 'BookAdded', { ...book }, options.traceparent);
      if (!added) throw new Error('insert returned no row');
      if (key) await storeResponse(this.sequelize, t, key, { status: 201, body: added });
      return { book: added, replayed: false };
    });
  }

  /** Deletes the book and records BookDeleted; null (and no event) when it does not exist. */
  async remove(id: number, options: WriteOptions = {}): Promise<Book | null> {
    return this.sequelize.transaction((t) => this.writeWithEvent(t, DELETE_BOOK, 'BookDeleted', { id }, options.traceparent));
  }

  async get(id: number): Promise<Book | null> {
    const row = await this.rows.findByPk(id, { raw: true, attributes: ['id', 'title', 'author', 'price'] });
    return row ? toBook(row) : null;
  }

  /** Books with id > after, in id order; one extra row tells whether more remain. */
  async list(after: number, limit: number): Promise<{ books: Book[]; more: boolean }> {
    const rows = await this.rows.findAll({
      where: { id: { [Op.gt]: after } },
      order: [['id', 'ASC']],
      limit: limit + 1,
      raw: true,
      attributes: ['id', 'title', 'author', 'price'],
    });
    return { books: rows.slice(0, limit).map(toBook), more: rows.length > limit };
  }

  private async writeWithEvent(
    t: Transaction,
    sql: string,
    eventType: BookEventType,
    params: Record<string, unknown>,
    traceparent?: string,
  ): Promise<Book | null> {
    const eventId = randomUUID();
    const [event] = await this.sequelize.query<{ payload: Book }>(sql, {
      bind: { ...params, eventId, eventType, traceparent: traceparent ?? null },
      transaction: t,
      type: QueryTypes.SELECT,
    });
    if (!event) return null;
    if (this.outboxRetentionSeconds === 0) {
      await this.sequelize.query(DELETE_EVENT, { bind: { eventId }, transaction: t });
    }
    return toBook(event.payload);
  }
}
