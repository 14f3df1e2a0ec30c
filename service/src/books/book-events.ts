import { Book } from './book-schema';

export const BOOK_AGGREGATE = 'Book';
export type BookEventType = 'BookAdded' | 'BookDeleted';

/**
 * The event payload, built in SQL from the row just written so the event
 * carries exactly what was committed. Keys match the Book schema.
 */
export function bookPayloadSql(row: string): string {
  return `jsonb_build_object('id', ${row}.id, 'title', ${row}.title, 'author', ${row}.author, 'price', ${row}.price)`;
}

/** A book as the API and the events show it, from a row whose price is an exact decimal string. */
export function toBook(row: { id: number; title: string; author: string; price: string | number }): Book {
  return { id: Number(row.id), title: row.title, author: row.author, price: Number(row.price) };
}
