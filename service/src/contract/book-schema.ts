import { Static, Type } from '@sinclair/typebox';

/**
 * The one definition of a book on the wire: these schemas validate requests
 * (service/src/api/http/operation-inputs.ts declares which input of which operation uses
 * which) and they are what /openapi.json publishes.
 */

/**
 * What String.prototype.trim removes (ECMAScript WhiteSpace and LineTerminator), spelled
 * out rather than `\s` so that every regular-expression dialect reads the pattern the same
 * way (Python's `\s`, for one, differs), and a client generating data from the document
 * agrees with the service on what a blank title is.
 */
const WHITESPACE = '\\t\\n\\v\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff';

/**
 * At least one character that is not whitespace, and no U+0000 anywhere (PostgreSQL text
 * cannot hold it). Linear to match: the leading run and the first visible character are
 * disjoint classes, so there is nothing to backtrack over.
 */
export const TEXT_PATTERN = `^[${WHITESPACE}]*[^\\u0000${WHITESPACE}][^\\u0000]*$`;

const text = (description: string) =>
  Type.String({
    minLength: 1,
    maxLength: 255,
    pattern: TEXT_PATTERN,
    description: `${description}: 1 to 255 characters, not only whitespace, no U+0000; leading and trailing whitespace is trimmed`,
  });

export const MAX_PRICE = 100_000_000;

export const Price = Type.Number({
  exclusiveMinimum: 0,
  exclusiveMaximum: MAX_PRICE,
  multipleOf: 0.01,
  description: 'Exact decimal with at most 2 decimal places, greater than 0 and less than 10^8',
  examples: [100.0],
});

export const NewBook = Type.Object(
  { title: text('Title'), author: text('Author'), price: Price },
  { additionalProperties: false, title: 'NewBook' },
);
export type NewBook = Static<typeof NewBook>;

/** The largest id of the `integer` column books.id. */
export const MAX_BOOK_ID = 2_147_483_647;

export const BookId = Type.Integer({ minimum: 1, maximum: MAX_BOOK_ID, description: `Book id, 1 to ${MAX_BOOK_ID}` });

export const Book = Type.Object(
  {
    id: BookId,
    title: Type.String({ minLength: 1, maxLength: 255 }),
    author: Type.String({ minLength: 1, maxLength: 255 }),
    price: Price,
  },
  { title: 'Book', examples: [{ id: 3, title: 'Miro', author: 'Roqq', price: 100.0 }] },
);
export type Book = Static<typeof Book>;

export const PageSize = Type.Integer({ minimum: 1, maximum: 1000, default: 100, description: 'Page size' });

export const Cursor = Type.Integer({
  minimum: 0,
  maximum: MAX_BOOK_ID,
  description: 'Keyset cursor: return books with an id greater than this (the last id of the previous page)',
});

/** Stored in idempotency_keys.key, varchar(255). */
export const IdempotencyKey = Type.String({
  minLength: 1,
  maxLength: 255,
  pattern: '^[\\x21-\\x7e]+$',
  description: '1 to 255 visible ASCII characters. A retry with the same key and body returns the first response and adds nothing',
});
