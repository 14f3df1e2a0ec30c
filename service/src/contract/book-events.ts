import { Book } from './book-schema';

/** The aggregate type and event types written by api/books/statements.ts. */
export const BOOK_AGGREGATE = 'Book';
export type BookEventType = 'BookAdded' | 'BookDeleted';

/** A book as the API and the events show it, from a row whose price is an exact decimal string. */
export function toBook(row: { id: number; title: string; author: string; price: string | number }): Book {
  return { id: Number(row.id), title: row.title, author: row.author, price: Number(row.price) };
}
