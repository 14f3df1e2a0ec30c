import { Static, Type } from '@sinclair/typebox';

/**
 * The one definition of a book on the wire: it validates requests and it is
 * what /openapi.json publishes.
 */
const text = (description: string) =>
  Type.String({ minLength: 1, maxLength: 255, description: `${description}; leading and trailing whitespace is trimmed` });

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

export const Book = Type.Object(
  {
    id: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }),
    title: Type.String({ minLength: 1, maxLength: 255 }),
    author: Type.String({ minLength: 1, maxLength: 255 }),
    price: Price,
  },
  { title: 'Book', examples: [{ id: 3, title: 'Miro', author: 'Roqq', price: 100.0 }] },
);
export type Book = Static<typeof Book>;

export const MAX_BOOK_ID = 2_147_483_647;
export const BookId = Type.String({ pattern: '^[1-9][0-9]{0,9}$', description: 'Book id, 1 to 2147483647' });

export const ListQuery = Type.Object({
  limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,4}$', description: 'Page size, 1 to 1000 (default 100)' })),
  after: Type.Optional(Type.String({ pattern: '^[0-9]{1,10}$', description: 'Keyset cursor: return books with id greater than this' })),
});
