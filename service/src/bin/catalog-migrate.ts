import { ConfigError, LOG_LEVELS, Reader } from '../shared/config';
import { createLogger } from '../shared/logger';
import { migrate } from '../shared/db/migrator';
import { createSequelize } from '../shared/db/sequelize';
import { databaseTarget, describeTls } from '../shared/db/ssl';
import { catalogMigrations } from '../consumer/migrations';

/**
 * `node dist/bin/catalog-migrate.js`: applies pending migrations of the read model's database
 * with CATALOG_DATABASE_URL (the role that owns that database); TLS as for the service
 * (sslmode/sslrootcert in the URL, or PGSSLMODE/PGSSLROOTCERT).
 */
async function main(): Promise<void> {
  const read = new Reader(process.env);
  const url = read.text('CATALOG_DATABASE_URL');
  const logLevel = read.oneOf('LOG_LEVEL', 'info', LOG_LEVELS);
  if (read.problems.length) throw new ConfigError(read.problems);
  const target = databaseTarget(url, process.env, 'CATALOG_DATABASE_URL');
  const logger = createLogger(logLevel, 'book-catalog');
  const sequelize = createSequelize({ url: target.url, tls: target.tls, poolMax: 1, applicationName: 'book-catalog-migrate' });
  try {
    const applied = await migrate<unknown>(sequelize, catalogMigrations, {});
    logger.info({ applied }, applied.length ? 'catalog migrations applied' : 'catalog schema is up to date');
  } catch (error) {
    throw new Error(`${error instanceof Error ? error.message : String(error)} (${describeTls(target.tls)})`, { cause: error });
  } finally {
    await sequelize.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : `catalog migration failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(error instanceof ConfigError ? 2 : 1);
});
