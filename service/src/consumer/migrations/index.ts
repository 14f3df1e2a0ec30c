import { Migration } from '../../shared/db/migration-context';
import * as createReadModel from './0001-create-read-model';

/** The catalog database's migrations, in order (run by bin/catalog-migrate.ts). */
export const catalogMigrations: Migration<unknown>[] = [createReadModel];
