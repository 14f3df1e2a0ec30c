import { randomBytes } from 'node:crypto';
import { bookMigrations } from '../../service/src/api/migrations';
import { migrate } from '../../service/src/shared/db/migrator';
import { bootstrapRoles, DEFAULT_ROLES } from '../../service/src/shared/db/roles';
import { createSequelize } from '../../service/src/shared/db/sequelize';
import { PostgresServer, startPostgres } from '../stack/postgres';

export interface BenchDatabase {
  pg: PostgresServer;
  /** The application role's password (pgbench logs in with it). */
  appPassword: string;
  /** postgres:// URL of database `books` as the application role, as the service connects. */
  appUrl: string;
}

/** A PostgreSQL of its own with the service's roles and migrations, for one benchmark run (destroy `pg` after). */
export async function startBenchDatabase(options: { fsync: boolean }): Promise<BenchDatabase> {
  const pg = await startPostgres({ fsync: options.fsync });
  try {
    const passwords = { owner: randomBytes(9).toString('hex'), app: randomBytes(9).toString('hex'), cdc: randomBytes(9).toString('hex') };
    await bootstrapRoles(pg.url(pg.superuser, pg.superuserPassword, 'postgres'), 'books', passwords);
    const owner = createSequelize({ url: pg.url(DEFAULT_ROLES.owner, passwords.owner, 'books'), poolMax: 1 });
    await migrate(owner, bookMigrations, { publication: 'book_outbox_publication', slot: 'book_outbox_slot', appRole: DEFAULT_ROLES.app, cdcRole: DEFAULT_ROLES.cdc });
    await owner.close();
    return { pg, appPassword: passwords.app, appUrl: pg.url(DEFAULT_ROLES.app, passwords.app, 'books') };
  } catch (error) {
    await pg.destroy();
    throw error;
  }
}
