import { escapeIdentifier } from 'pg';
import { QueryInterface, Sequelize, Transaction } from 'sequelize';

export interface MigrationSettings {
  publication: string;
  slot: string;
  /** Roles granted what they need when they exist (see bin/bootstrap.ts). */
  appRole: string;
  cdcRole: string;
}

/** Runs one SQL statement (`$name` bind parameters) in the migration's transaction, if any; returns the rows. */
export type MigrationQuery = <T = Record<string, unknown>>(sql: string, bind?: Record<string, unknown>) => Promise<T[]>;

export interface MigrationContext<S = MigrationSettings> {
  sequelize: Sequelize;
  queryInterface: QueryInterface;
  settings: S;
  /**
   * The transaction `up` runs in (see migrator.ts). Every statement must use it: `query`
   * does; a bare `sequelize.query` would wait for a second connection the pool may not have.
   */
  transaction?: Transaction;
  query: MigrationQuery;
}

/**
 * A schema migration. `up` runs in one transaction, together with the record that the
 * migration is done, so a failure leaves nothing behind and the retry starts afresh.
 *
 * `afterCommit` holds the steps PostgreSQL cannot run in a transaction that has written
 * (creating a logical replication slot). It runs after `up` commits, and the migration is
 * recorded only when it succeeds, so after a failure there the retry runs `up` again on
 * a committed schema: a migration with `afterCommit` must make both `up` and `afterCommit`
 * idempotent (IF NOT EXISTS, create only if missing, check what exists).
 */
export interface Migration<S = MigrationSettings> {
  name: string;
  up(params: { context: MigrationContext<S> }): Promise<void>;
  afterCommit?(params: { context: MigrationContext<S> }): Promise<void>;
  down(params: { context: MigrationContext<S> }): Promise<void>;
}

/** `query` bound to a transaction (or none). */
export function boundQuery(sequelize: Sequelize, transaction?: Transaction): MigrationQuery {
  return async <T>(sql: string, bind?: Record<string, unknown>) => {
    const [rows] = await sequelize.query(sql, { bind, transaction });
    return rows as T[];
  };
}

/**
 * Runs a GRANT only if the role exists, so a single-role development database migrates too.
 * Idempotent. The role name is bound in the lookup and quoted as an identifier in the GRANT
 * (any name PostgreSQL allows, quotes included); `grant` is the migration's own text.
 */
export async function grantIfRoleExists(query: MigrationQuery, role: string, grant: string): Promise<void> {
  const exists = await query('SELECT 1 FROM pg_roles WHERE rolname = $role', { role });
  if (exists.length) await query(`${grant} TO ${escapeIdentifier(role)}`);
}
