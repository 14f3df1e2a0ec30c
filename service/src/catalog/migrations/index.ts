import { Migration } from '../../db/migrations/context';
import * as createReadModel from './0001-create-read-model';

/** The catalog database's migrations, in order (run by catalog/migrate-cli.ts). */
export const catalogMigrations: Migration<unknown>[] = [createReadModel];
