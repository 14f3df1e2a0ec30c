import { loadMigrationConfig } from '../api/config';
import { ConfigError } from '../shared/config';
import { createLogger } from '../shared/logger';
import { bookMigrations } from '../api/migrations';
import { migrate } from '../shared/db/migrator';
import { createSequelize } from '../shared/db/sequelize';
import { describeTls } from '../shared/db/ssl';

/**
 * `npm run migrate`: applies pending migrations with DATABASE_URL (the owner role), or
 * PGHOST/PGUSER/…; TLS from sslmode/sslrootcert in the URL or PGSSLMODE/PGSSLROOTCERT;
 * the roles to grant to from DB_APP_ROLE and DB_CDC_ROLE (see loadMigrationConfig).
 */
async function main(): Promise<void> {
  const config = loadMigrationConfig();
  const logger = createLogger(config.logLevel);
  const sequelize = createSequelize({
    url: config.databaseUrl,
    tls: config.databaseTls,
    poolMax: 1,
    applicationName: 'book-service-migrate',
  });
  try {
    const applied = await migrate(sequelize, bookMigrations, {
      publication: config.outbox.publication,
      slot: config.outbox.slot,
      appRole: config.roles.app,
      cdcRole: config.roles.cdc,
    });
    logger.info({ applied }, applied.length ? 'migrations applied' : 'database schema is up to date');
  } catch (error) {
    throw new Error(`${error instanceof Error ? error.message : String(error)} (${describeTls(config.databaseTls)})`, { cause: error });
  } finally {
    await sequelize.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : `migration failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(error instanceof ConfigError ? 2 : 1);
});
