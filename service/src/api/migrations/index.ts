import * as createBooks from './0001-create-books';
import * as createOutbox from './0002-create-outbox';
import * as createIdempotencyKeys from './0003-create-idempotency-keys';
import { Migration } from '../../shared/db/migration-context';

/** In order. Listed rather than globbed so that tsx and the compiled dist/ run the same set. */
export const bookMigrations: Migration[] = [createBooks, createOutbox, createIdempotencyKeys];
