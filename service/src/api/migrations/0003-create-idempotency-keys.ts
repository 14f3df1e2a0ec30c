import { grantIfRoleExists, MigrationContext } from '../../shared/db/migration-context';

export const name = '0003-create-idempotency-keys';

export async function up({ context: { query, settings } }: { context: MigrationContext }): Promise<void> {
  await query(`
    CREATE TABLE idempotency_keys (
      key varchar(255) PRIMARY KEY,
      request_hash char(64) NOT NULL,
      status smallint,
      body jsonb,
      created_at timestamptz NOT NULL DEFAULT now()
    )`);
  await query('CREATE INDEX idempotency_keys_created_at_idx ON idempotency_keys (created_at)');
  await grantIfRoleExists(query, settings.appRole, 'GRANT SELECT, INSERT, UPDATE, DELETE ON idempotency_keys');
}

export async function down({ context: { query } }: { context: MigrationContext }): Promise<void> {
  await query('DROP TABLE idempotency_keys');
}
