import { Sequelize } from 'sequelize';
import { DatabaseTls, databaseTarget, pgSsl } from './ssl';

export interface DatabaseOptions {
  /** postgres:// URL; `sslmode=`/`sslrootcert=` in it are honoured (see ssl.ts). */
  url: string;
  /** TLS settings already parsed (loadConfig); default: from the URL, then PGSSLMODE/PGSSLROOTCERT. */
  tls?: DatabaseTls;
  poolMax?: number;
  /** Application name shown in pg_stat_activity. */
  applicationName?: string;
}

export function createSequelize({ url, tls, poolMax = 10, applicationName = 'book-service' }: DatabaseOptions): Sequelize {
  const target = databaseTarget(url);
  const effectiveTls = tls ?? target.tls;
  const sequelize = new Sequelize(target.url, {
    dialect: 'postgres',
    logging: false,
    benchmark: false,
    // Fail fast when the database is down so callers answer 503 instead of hanging.
    pool: { max: poolMax, min: 0, idle: 10_000, acquire: 5_000, evict: 5_000 },
    dialectOptions: {
      application_name: applicationName,
      connectionTimeoutMillis: 3_000,
      statement_timeout: 10_000,
      idle_in_transaction_session_timeout: 30_000,
      ssl: pgSsl(effectiveTls),
    },
    define: { underscored: true, freezeTableName: true },
  });
  // Sequelize merges what pg-connection-string makes of the URL into dialectOptions; set the
  // ssl option last, per connection, so that nothing else decides. The CA bundle is read
  // again for each new connection: a bundle mounted from a Secret can be rotated in place.
  sequelize.addHook('beforeConnect', (config) => {
    const c = config as { dialectOptions?: Record<string, unknown> };
    c.dialectOptions = { ...c.dialectOptions, ssl: pgSsl(effectiveTls) };
  });
  return sequelize;
}
