import { QueryTypes, Sequelize, Transaction } from 'sequelize';
import { BookEventType } from '../books/book-events';
import { BookEvent } from './book-event';
import { fromCents, toCents } from './money';

/** An event with where it was read: recorded in the inbox next to its id. */
export interface SourcedEvent extends BookEvent {
  partition: number;
  offset: string;
}

export interface Applied {
  /** Events that changed the read model, by type. */
  applied: Record<BookEventType, number>;
  /** Events whose id the inbox already held: skipped. */
  duplicates: number;
}

/**
 * One statement per event: record its id in the inbox, and only if that inserted a row,
 * change catalog_books. Returns whether the id was new and the catalog row added or
 * removed (author, exact price), from which author_stats is changed at the end.
 * Binds: $1 event id, $2 type, $3 book id, $4 partition, $5 offset (+ $6..$8 title, author, price).
 */
const INBOX = `fresh AS (
    INSERT INTO inbox (event_id, event_type, book_id, source_partition, source_offset)
    VALUES ($1, $2, $3, $4, $5) ON CONFLICT (event_id) DO NOTHING RETURNING event_id)`;
const RESULT = `SELECT (SELECT count(*) FROM fresh)::int AS fresh, changed.author, changed.price::text AS price
  FROM (SELECT 1) AS one LEFT JOIN changed ON true`;
const STATEMENTS: Record<BookEventType, string> = {
  BookAdded: `WITH ${INBOX}, changed AS (
    INSERT INTO catalog_books (id, title, author, price) SELECT $3, $6, $7, $8 FROM fresh
    ON CONFLICT (id) DO NOTHING RETURNING author, price)
  ${RESULT}`,
  BookDeleted: `WITH ${INBOX}, changed AS (
    DELETE FROM catalog_books WHERE id = $3 AND EXISTS (SELECT 1 FROM fresh) RETURNING author, price)
  ${RESULT}`,
};

/** Per-author deltas, applied in author order so that concurrent batches lock rows in one order (no deadlock between them). */
const AUTHOR_DELTAS = `
INSERT INTO author_stats (author, books, total_price)
SELECT author, books, total_price FROM unnest($1::varchar[], $2::int[], $3::numeric[]) AS d(author, books, total_price)
ORDER BY author
ON CONFLICT (author) DO UPDATE
  SET books = author_stats.books + EXCLUDED.books, total_price = author_stats.total_price + EXCLUDED.total_price`;
const EMPTY_AUTHORS = 'DELETE FROM author_stats WHERE author = ANY($1::varchar[]) AND books = 0';

interface Row {
  fresh: number;
  author: string | null;
  price: string | null;
}

/**
 * Applies `events` (in order) to the read model in ONE transaction: every event id goes into
 * the inbox with its change, or nothing does. An id already in the inbox is skipped, so a
 * redelivered event changes nothing: effectively once under at-least-once delivery.
 * Offsets may be committed only after this resolves.
 */
export async function applyEvents(sequelize: Sequelize, events: SourcedEvent[]): Promise<Applied> {
  const result: Applied = { applied: { BookAdded: 0, BookDeleted: 0 }, duplicates: 0 };
  if (!events.length) return result;
  await sequelize.transaction(async (transaction) => {
    const deltas = new Map<string, { books: number; cents: bigint }>();
    for (const event of events) {
      const { id, type, book } = event;
      const bind = [id, type, book.id, event.partition, event.offset];
      if (type === 'BookAdded') bind.push(book.title, book.author, book.price.toFixed(2));
      const [row] = await sequelize.query<Row>(STATEMENTS[type], { bind, transaction, type: QueryTypes.SELECT });
      if (!row.fresh) {
        result.duplicates++;
        continue;
      }
      result.applied[type]++;
      if (row.author === null || row.price === null) continue; // an add of a known book, a delete of an unknown one
      const sign = type === 'BookAdded' ? 1 : -1;
      const delta = deltas.get(row.author) ?? { books: 0, cents: 0n };
      delta.books += sign;
      delta.cents += BigInt(sign) * toCents(row.price);
      deltas.set(row.author, delta);
    }
    await applyAuthorDeltas(sequelize, transaction, deltas);
  });
  return result;
}

async function applyAuthorDeltas(sequelize: Sequelize, transaction: Transaction, deltas: Map<string, { books: number; cents: bigint }>): Promise<void> {
  const changed = [...deltas].filter(([, d]) => d.books !== 0 || d.cents !== 0n).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (!changed.length) return;
  const authors = changed.map(([author]) => author);
  await sequelize.query(AUTHOR_DELTAS, {
    bind: [authors, changed.map(([, d]) => d.books), changed.map(([, d]) => fromCents(d.cents))],
    transaction,
  });
  await sequelize.query(EMPTY_AUTHORS, { bind: [authors], transaction });
}
