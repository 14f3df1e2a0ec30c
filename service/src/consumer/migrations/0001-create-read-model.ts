import { MigrationContext } from '../../shared/db/migration-context';

export const name = '0001-create-read-model';

/**
 * The read model of the book-catalog consumer, in its own database: the books as the events
 * describe them, books and their total price per author, and the inbox of applied event ids
 * (the idempotency record; see consumer/projection.ts).
 */
export async function up({ context: { query } }: { context: MigrationContext<unknown> }): Promise<void> {
  await query(`
    CREATE TABLE catalog_books (
      id integer PRIMARY KEY,
      title varchar(255) NOT NULL,
      author varchar(255) NOT NULL,
      price numeric(10, 2) NOT NULL CHECK (price > 0)
    )`);
  // No CHECK (books >= 0): an upsert checks its proposed row, which holds a (possibly negative) delta.
  await query(`
    CREATE TABLE author_stats (
      author varchar(255) PRIMARY KEY,
      books integer NOT NULL,
      total_price numeric NOT NULL
    )`);
  await query(`
    CREATE TABLE inbox (
      event_id uuid PRIMARY KEY,
      event_type varchar(64) NOT NULL,
      book_id integer NOT NULL,
      source_partition integer NOT NULL,
      source_offset bigint NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT clock_timestamp()
    )`);
}

export async function down({ context: { query } }: { context: MigrationContext<unknown> }): Promise<void> {
  await query('DROP TABLE inbox');
  await query('DROP TABLE author_stats');
  await query('DROP TABLE catalog_books');
}
