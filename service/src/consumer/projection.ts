import { QueryTypes, Sequelize, Transaction } from 'sequelize';
import { BookEventType, BookRow } from '../contract/book-events';
import { BookEvent } from './event-record';
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
 * A chunk in a fixed number of statements, whatever its size (one round trip each): the ids
 * go into the inbox at once, and those it did not hold yet are the fresh events; the
 * chunk's books are read, the fresh events are played in order over them here, and the
 * outcome is written: rows that went away (or were replaced) deleted, rows that came added.
 * The deltas of author_stats are taken from what those two statements RETURN, so they
 * always agree with catalog_books, even if another transaction changed a row meanwhile.
 */
const INBOX = `
INSERT INTO inbox (event_id, event_type, book_id, source_partition, source_offset)
SELECT * FROM unnest($1::uuid[], $2::varchar[], $3::int[], $4::int[], $5::bigint[])
ON CONFLICT (event_id) DO NOTHING RETURNING event_id::text AS id`;
const CURRENT = 'SELECT id, title, author, price::text AS price FROM catalog_books WHERE id = ANY($1::int[])';
const REMOVE = 'DELETE FROM catalog_books WHERE id = ANY($1::int[]) RETURNING author, price::text AS price';
const ADD = `
INSERT INTO catalog_books (id, title, author, price)
SELECT * FROM unnest($1::int[], $2::varchar[], $3::varchar[], $4::numeric[])
ON CONFLICT (id) DO NOTHING RETURNING author, price::text AS price`;

/** Per-author deltas, applied in author order so that concurrent batches lock rows in one order (no deadlock between them). */
const AUTHOR_DELTAS = `
INSERT INTO author_stats (author, books, total_price)
SELECT author, books, total_price FROM unnest($1::varchar[], $2::int[], $3::numeric[]) AS d(author, books, total_price)
ORDER BY author
ON CONFLICT (author) DO UPDATE
  SET books = author_stats.books + EXCLUDED.books, total_price = author_stats.total_price + EXCLUDED.total_price`;
const EMPTY_AUTHORS = 'DELETE FROM author_stats WHERE author = ANY($1::varchar[]) AND books = 0';

/** A row of catalog_books. */
type CatalogRow = BookRow;

type Deltas = Map<string, { books: number; cents: bigint }>;

/**
 * Applies `events` (in order) to the read model in ONE transaction: every event id goes into
 * the inbox with its change, or nothing does. An id already in the inbox (or earlier in
 * `events`) is skipped, so a redelivered event changes nothing: effectively once under
 * at-least-once delivery. Offsets may be committed only after this resolves.
 */
export async function applyEvents(sequelize: Sequelize, events: SourcedEvent[]): Promise<Applied> {
  const result: Applied = { applied: { BookAdded: 0, BookDeleted: 0 }, duplicates: 0 };
  if (!events.length) return result;
  const firstIndex = new Map<string, number>();
  events.forEach((event, i) => firstIndex.has(event.id) || firstIndex.set(event.id, i));
  const unique = [...firstIndex.values()].map((i) => events[i]);
  await sequelize.transaction(async (transaction) => {
    const select = <T extends object>(sql: string, bind: unknown[]) => sequelize.query<T>(sql, { bind, transaction, type: QueryTypes.SELECT });
    const inserted = await select<{ id: string }>(INBOX, [
      unique.map((e) => e.id), unique.map((e) => e.type), unique.map((e) => e.book.id), unique.map((e) => e.partition), unique.map((e) => e.offset),
    ]);
    const fresh = new Set(inserted.map((r) => r.id));
    const freshEvents = events.filter((e, i) => firstIndex.get(e.id) === i && fresh.has(e.id));
    result.duplicates = events.length - freshEvents.length;
    if (!freshEvents.length) return;

    const before = new Map<number, CatalogRow | null>();
    for (const row of await select<CatalogRow>(CURRENT, [[...new Set(freshEvents.map((e) => e.book.id))]])) before.set(row.id, row);
    // Each book's row as the fresh events leave it, played in order: an add of a known book, a delete of an unknown one change nothing.
    const after = new Map<number, CatalogRow | null>();
    for (const { type, book } of freshEvents) {
      result.applied[type]++;
      const present = after.has(book.id) ? after.get(book.id) : before.get(book.id);
      if (type === 'BookAdded' && !present) after.set(book.id, { ...book, price: book.price.toFixed(2) });
      if (type === 'BookDeleted' && present) after.set(book.id, null);
    }
    const removed = [...after.keys()].filter((id) => before.has(id)); // deleted, or deleted and added again
    const added = [...after.values()].filter((row): row is CatalogRow => row !== null);
    const deltas: Deltas = new Map();
    if (removed.length) addDeltas(deltas, -1, await select<Pick<CatalogRow, 'author' | 'price'>>(REMOVE, [removed]));
    if (added.length) {
      addDeltas(deltas, 1, await select<Pick<CatalogRow, 'author' | 'price'>>(ADD, [
        added.map((b) => b.id), added.map((b) => b.title), added.map((b) => b.author), added.map((b) => b.price),
      ]));
    }
    await applyAuthorDeltas(sequelize, transaction, deltas);
  });
  return result;
}

function addDeltas(deltas: Deltas, sign: 1 | -1, rows: Array<{ author: string; price: string }>): void {
  for (const { author, price } of rows) {
    const delta = deltas.get(author) ?? { books: 0, cents: 0n };
    delta.books += sign;
    delta.cents += BigInt(sign) * toCents(price);
    deltas.set(author, delta);
  }
}

async function applyAuthorDeltas(sequelize: Sequelize, transaction: Transaction, deltas: Deltas): Promise<void> {
  const changed = [...deltas].filter(([, d]) => d.books !== 0 || d.cents !== 0n).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (!changed.length) return;
  const authors = changed.map(([author]) => author);
  await sequelize.query(AUTHOR_DELTAS, {
    bind: [authors, changed.map(([, d]) => d.books), changed.map(([, d]) => fromCents(d.cents))],
    transaction,
  });
  await sequelize.query(EMPTY_AUTHORS, { bind: [authors], transaction });
}
