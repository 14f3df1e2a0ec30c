import { Book } from './book-schema';

/** The aggregate type and event types written by api/books/statements.ts. */
export const BOOK_AGGREGATE = 'Book';
export type BookEventType = 'BookAdded' | 'BookDeleted';

/** A book as a row of PostgreSQL holds it: the numeric price as text (exact). */
export type BookRow = Omit<Book, 'price'> & { price: string };

/** A book as the API and the events show it, from a row (or an event payload): every column, the price as a number. */
export function toBook(row: BookRow | Book): Book {
  return { ...row, id: Number(row.id), price: Number(row.price) };
}
