import { escapeIdentifier } from 'pg';
import { grantIfRoleExists, MigrationContext, MigrationQuery } from '../../shared/db/migration-context';

export const name = '0002-create-outbox';

const PUBLISHED = ['cdc_heartbeat', 'outbox'];

/**
 * In the migration's transaction, and idempotent: if the slot step (afterCommit) fails,
 * this part is committed but the migration is not recorded, and the retry runs it again.
 */
export async function up({ context: { query, settings } }: { context: MigrationContext }): Promise<void> {
  const [{ walLevel }] = await query<{ walLevel: string }>(`SELECT current_setting('wal_level') AS "walLevel"`);
  if (walLevel !== 'logical') {
    throw new Error(
      `PostgreSQL runs with wal_level=${walLevel}; the outbox needs wal_level=logical for Debezium ` +
        '(set it in postgresql.conf or with -c wal_level=logical, then restart PostgreSQL)',
    );
  }
  // occurred_at is timestamp WITHOUT time zone (UTC): Debezium's event-timestamp option rejects timestamptz.
  await query(`
    CREATE TABLE IF NOT EXISTS outbox (
      id uuid PRIMARY KEY,
      aggregatetype varchar(255) NOT NULL,
      aggregateid varchar(255) NOT NULL,
      type varchar(255) NOT NULL,
      payload jsonb NOT NULL,
      occurred_at timestamp NOT NULL DEFAULT (now() AT TIME ZONE 'UTC'),
      traceparent varchar(55)
    )`);
  await query('CREATE INDEX IF NOT EXISTS outbox_occurred_at_idx ON outbox (occurred_at)');
  // Updated by the connector's heartbeat.action.query. It is in the publication because
  // PostgreSQL sends nothing for unpublished tables: without a published change Debezium
  // never confirms a newer LSN and an idle outbox pins the WAL. The connector's
  // table.include.list filters these rows out, so they never reach Kafka.
  await query('CREATE TABLE IF NOT EXISTS cdc_heartbeat (id integer PRIMARY KEY, beat_at timestamptz NOT NULL)');
  await query('INSERT INTO cdc_heartbeat (id, beat_at) VALUES (1, now()) ON CONFLICT (id) DO NOTHING');
  await grantIfRoleExists(query, settings.appRole, 'GRANT SELECT, INSERT, DELETE ON outbox');
  await grantIfRoleExists(query, settings.cdcRole, 'GRANT SELECT ON outbox');
  await grantIfRoleExists(query, settings.cdcRole, 'GRANT SELECT, INSERT, UPDATE ON cdc_heartbeat');
  await ensurePublication(query, settings.publication);
}

/**
 * The slot is created here, not by the connector, so events written before the connector
 * first starts are kept in the WAL (snapshot.mode=no_data starts at the slot). PostgreSQL
 * refuses to create a logical slot in a transaction that has written ("cannot create
 * logical replication slot in transaction that has performed writes"), hence after the
 * commit, and only if missing.
 */
export async function afterCommit({ context: { query, settings } }: { context: MigrationContext }): Promise<void> {
  await ensureSlot(query, settings.slot);
}

async function ensurePublication(query: MigrationQuery, publication: string): Promise<void> {
  const [existing] = await query<{ allTables: boolean; tables: string[] }>(
    `SELECT p.puballtables AS "allTables",
            coalesce(array_agg(t.tablename::text ORDER BY t.tablename) FILTER (WHERE t.schemaname = current_schema()), '{}') AS tables
       FROM pg_publication p LEFT JOIN pg_publication_tables t ON t.pubname = p.pubname
      WHERE p.pubname = $publication
      GROUP BY p.puballtables`,
    { publication },
  );
  if (!existing) {
    await query(`CREATE PUBLICATION ${escapeIdentifier(publication)} FOR TABLE ${PUBLISHED.join(', ')}`);
    return;
  }
  // Left by an earlier run of this migration (committed, slot step failed): exactly these tables.
  if (!existing.allTables && existing.tables.join(',') === PUBLISHED.join(',')) return;
  const what = existing.allTables ? 'all tables' : existing.tables.length ? existing.tables.join(', ') : 'no table';
  throw new Error(
    `publication "${publication}" already exists and publishes ${what}, not exactly ${PUBLISHED.join(' and ')}: ` +
      'drop it, or choose another name (OUTBOX_PUBLICATION, chart value migrations.publication)',
  );
}

async function ensureSlot(query: MigrationQuery, slot: string): Promise<void> {
  const [existing] = await query<{ slotType: string; plugin: string | null; database: string | null; current: string }>(
    `SELECT slot_type AS "slotType", plugin, database, current_database() AS current
       FROM pg_replication_slots WHERE slot_name = $slot`,
    { slot },
  );
  if (!existing) {
    await query(`SELECT pg_create_logical_replication_slot($slot, 'pgoutput')`, { slot });
    return;
  }
  if (existing.slotType === 'logical' && existing.plugin === 'pgoutput' && existing.database === existing.current) return;
  const what =
    existing.slotType !== 'logical'
      ? `a ${existing.slotType} slot`
      : existing.database !== existing.current
        ? `a slot of database "${existing.database}" (slot names are shared by the whole server)`
        : `a slot of plugin ${existing.plugin}`;
  throw new Error(
    `replication slot "${slot}" already exists and is ${what}, not a pgoutput slot of this database: ` +
      `drop it (SELECT pg_drop_replication_slot('${slot}')), or choose another name (OUTBOX_SLOT, chart value migrations.slot)`,
  );
}

export async function down({ context: { query, settings } }: { context: MigrationContext }): Promise<void> {
  await query('SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $slot', { slot: settings.slot });
  await query(`DROP PUBLICATION IF EXISTS ${escapeIdentifier(settings.publication)}`);
  await query('DROP TABLE cdc_heartbeat');
  await query('DROP TABLE outbox');
}
