import { QueryTypes } from 'sequelize';
import { grantIfRoleExists, MigrationContext } from './context';

export const name = '0002-create-outbox';

export async function up({ context: { sequelize, settings } }: { context: MigrationContext }): Promise<void> {
  const [{ walLevel }] = await sequelize.query<{ walLevel: string }>(`SELECT current_setting('wal_level') AS "walLevel"`, {
    type: QueryTypes.SELECT,
  });
  if (walLevel !== 'logical') {
    throw new Error(
      `PostgreSQL runs with wal_level=${walLevel}; the outbox needs wal_level=logical for Debezium ` +
        '(set it in postgresql.conf or with -c wal_level=logical, then restart PostgreSQL)',
    );
  }
  // occurred_at is timestamp WITHOUT time zone (UTC): Debezium's event-timestamp option rejects timestamptz.
  await sequelize.query(`
    CREATE TABLE outbox (
      id uuid PRIMARY KEY,
      aggregatetype varchar(255) NOT NULL,
      aggregateid varchar(255) NOT NULL,
      type varchar(255) NOT NULL,
      payload jsonb NOT NULL,
      occurred_at timestamp NOT NULL DEFAULT (now() AT TIME ZONE 'UTC'),
      traceparent varchar(55)
    )`);
  await sequelize.query('CREATE INDEX outbox_occurred_at_idx ON outbox (occurred_at)');
  // Updated by the connector's heartbeat.action.query. It is in the publication because
  // PostgreSQL sends nothing for unpublished tables: without a published change Debezium
  // never confirms a newer LSN and an idle outbox pins the WAL. The connector's
  // table.include.list filters these rows out, so they never reach Kafka.
  await sequelize.query('CREATE TABLE cdc_heartbeat (id integer PRIMARY KEY, beat_at timestamptz NOT NULL)');
  await sequelize.query('INSERT INTO cdc_heartbeat (id, beat_at) VALUES (1, now())');
  await grantIfRoleExists(sequelize, settings.appRole, 'GRANT SELECT, INSERT, DELETE ON outbox');
  await grantIfRoleExists(sequelize, settings.cdcRole, 'GRANT SELECT ON outbox');
  await grantIfRoleExists(sequelize, settings.cdcRole, 'GRANT SELECT, INSERT, UPDATE ON cdc_heartbeat');
  await sequelize.query(`CREATE PUBLICATION "${settings.publication}" FOR TABLE outbox, cdc_heartbeat`);
  // The slot is created here, not by the connector, so events written before the
  // connector first starts are kept in the WAL (snapshot.mode=no_data starts at the slot).
  // It cannot be created in a transaction that has written, hence its own statement.
  await sequelize.query(
    `SELECT pg_create_logical_replication_slot(:slot, 'pgoutput')
      WHERE NOT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = :slot)`,
    { replacements: { slot: settings.slot } },
  );
}

export async function down({ context: { sequelize, settings } }: { context: MigrationContext }): Promise<void> {
  await sequelize.query(
    'SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = :slot',
    { replacements: { slot: settings.slot } },
  );
  await sequelize.query(`DROP PUBLICATION IF EXISTS "${settings.publication}"`);
  await sequelize.query('DROP TABLE cdc_heartbeat');
  await sequelize.query('DROP TABLE outbox');
}
