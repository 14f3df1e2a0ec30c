import { Sequelize } from 'sequelize';

export interface DatabaseOptions {
  url: string;
  poolMax?: number;
  /** Application name shown in pg_stat_activity. */
  applicationName?: string;
}

export function createSequelize({ url, poolMax = 10, applicationName = 'book-service' }: DatabaseOptions): Sequelize {
  return new Sequelize(url, {
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
    },
    define: { underscored: true, freezeTableName: true },
  });
}
