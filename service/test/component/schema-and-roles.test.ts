import { Client } from 'pg';
import { bookMigrations } from '../../src/api/migrations';
import { migrate } from '../../src/shared/db/migrator';
import { createSequelize } from '../../src/shared/db/sequelize';
import { createTestDatabase, startOwnCluster, TestDatabase } from '../support/test-database';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.drop();
});

async function asRole(url: string, sql: string) {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

describe('migrations', () => {
  it('create the publication for the outbox and the heartbeat table only, and a pgoutput slot', async () => {
    const pub = await db.admin.query('SELECT tablename FROM pg_publication_tables WHERE pubname = $1 ORDER BY tablename', [db.publication]);
    expect(pub.rows).toEqual([{ tablename: 'cdc_heartbeat' }, { tablename: 'outbox' }]);
    const slot = await db.admin.query('SELECT plugin, slot_type, database FROM pg_replication_slots WHERE slot_name = $1', [db.slot]);
    expect(slot.rows).toEqual([{ plugin: 'pgoutput', slot_type: 'logical', database: db.name }]);
  });

  it('keep the occurrence time without time zone, as Debezium needs', async () => {
    const { rows } = await db.admin.query(
      "SELECT data_type FROM information_schema.columns WHERE table_name = 'outbox' AND column_name = 'occurred_at'",
    );
    expect(rows).toEqual([{ data_type: 'timestamp without time zone' }]);
  });

  it('are idempotent: a second run applies nothing', async () => {
    const owner = createSequelize({ url: db.ownerUrl, poolMax: 1 });
    try {
      const applied = await migrate(owner, bookMigrations, { publication: db.publication, slot: db.slot, appRole: 'book_app', cdcRole: 'book_cdc' });
      expect(applied).toEqual([]);
    } finally {
      await owner.close();
    }
  });

  it('refuse clearly when wal_level is not logical', async () => {
    const cluster = await startOwnCluster({ wal_level: 'replica' });
    try {
      const other = await createTestDatabase(cluster).catch((error: Error) => error);
      expect(other).toBeInstanceOf(Error);
      expect(String((other as Error & { cause?: Error }).cause ?? other)).toMatch(/wal_level=replica.*wal_level=logical/);
    } finally {
      await cluster.server.destroy();
    }
  });
});

describe('least privilege', () => {
  it('runs the service as a role that is neither superuser nor able to update or truncate the outbox', async () => {
    const { rows } = await asRole(db.appUrl, 'SELECT rolsuper, rolreplication, rolcreaterole FROM pg_roles WHERE rolname = current_user');
    expect(rows).toEqual([{ rolsuper: false, rolreplication: false, rolcreaterole: false }]);
    await expect(asRole(db.appUrl, "UPDATE outbox SET type = 'x'")).rejects.toThrow(/permission denied/);
    await expect(asRole(db.appUrl, 'TRUNCATE outbox')).rejects.toThrow(/permission denied/);
    await expect(asRole(db.appUrl, 'CREATE TABLE sneaky (id int)')).rejects.toThrow(/permission denied/);
  });

  it('gives Debezium replication and read access to the outbox only', async () => {
    const passwords = JSON.parse(process.env.TEST_PG_PASSWORDS!) as { cdc: string };
    const cdcUrl = db.appUrl.replace(/\/\/book_app:[^@]+@/, `//book_cdc:${passwords.cdc}@`);
    const { rows } = await asRole(cdcUrl, 'SELECT rolsuper, rolreplication FROM pg_roles WHERE rolname = current_user');
    expect(rows).toEqual([{ rolsuper: false, rolreplication: true }]);
    await expect(asRole(cdcUrl, 'SELECT count(*) FROM outbox')).resolves.toBeDefined();
    await expect(asRole(cdcUrl, 'SELECT count(*) FROM books')).rejects.toThrow(/permission denied/);
    await expect(asRole(cdcUrl, 'DELETE FROM outbox')).rejects.toThrow(/permission denied/);
  });
});
