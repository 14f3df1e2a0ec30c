/**
 * Every SQL statement of the books aggregate, each whole; BookStore runs them all the same
 * way (sequelize.query with named binds), there is no ORM model.
 *
 * Writes: each one changes a book AND
 * appends its event to the outbox in ONE SQL statement (a data-modifying CTE): one round
 * trip, and the event is built by PostgreSQL from the row just written, so it carries
 * exactly what was committed. The service runs them through Outbox.append (which binds
 * $eventId and $traceparent and applies the retention policy); the benchmarks run these
 * very exports (tools/stack/bind.ts binds every parameter or fails).
 *
 * The payload keys are the Book schema's (contract/book-schema.ts), the aggregate type is
 * BOOK_AGGREGATE and the event types are BookEventType (contract/book-events.ts); the unit
 * tests check that these literals agree with them.
 */

/**
 * ADD_BOOK — POST /books: inserts the book and its BookAdded event.
 * Binds: $title, $author, $price (the book); $eventId (uuid), $traceparent (W3C or NULL).
 * Returns one row { payload } with the committed book.
 */
export const ADD_BOOK = `
WITH book AS (
  INSERT INTO books (title, author, price)
  VALUES ($title, $author, $price)
  RETURNING id, title, author, price
)
INSERT INTO outbox (id, aggregatetype, aggregateid, type, payload, occurred_at, traceparent)
SELECT $eventId, 'Book', book.id::text, 'BookAdded',
       jsonb_build_object('id', book.id, 'title', book.title, 'author', book.author, 'price', book.price),
       now() AT TIME ZONE 'UTC', $traceparent
  FROM book
RETURNING payload`;

/**
 * DELETE_BOOK — DELETE /books/{id}: deletes the book and records its BookDeleted event
 * carrying the deleted row. No such book: no row deleted, no event, no row returned.
 * Binds: $id; $eventId (uuid), $traceparent (W3C or NULL).
 * Returns one row { payload } with the deleted book, or none.
 */
export const DELETE_BOOK = `
WITH book AS (
  DELETE FROM books
  WHERE id = $id
  RETURNING id, title, author, price
)
INSERT INTO outbox (id, aggregatetype, aggregateid, type, payload, occurred_at, traceparent)
SELECT $eventId, 'Book', book.id::text, 'BookDeleted',
       jsonb_build_object('id', book.id, 'title', book.title, 'author', book.author, 'price', book.price),
       now() AT TIME ZONE 'UTC', $traceparent
  FROM book
RETURNING payload`;

/**
 * GET_BOOK — GET /books/{id}. Binds: $id. Returns the book's row, or none.
 */
export const GET_BOOK = `
SELECT id, title, author, price
  FROM books
 WHERE id = $id`;

/**
 * LIST_BOOKS — GET /books: a keyset page, in id order. Binds: $after (0 for the first
 * page), $limit (ask for one more than the page size to learn whether more remain).
 */
export const LIST_BOOKS = `
SELECT id, title, author, price
  FROM books
 WHERE id > $after
 ORDER BY id
 LIMIT $limit`;
