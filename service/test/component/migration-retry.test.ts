import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { bookMigrations } from '../../src/api/migrations';
import { migrate, MigrationSettings } from '../../src/shared/db/migrator';
import { createSequelize } from '../../src/shared/db/sequelize';
import { DEFAULT_ROLES } from '../../src/shared/db/roles';
import { sharedCluster } from '../support/test-database';

/** Every migration of the books database, in order: the later ones run after the ones these tests break. */
const ALL = bookMigrations.map((m) => m.name);

// A migration that fails part-way must leave a state the next run can finish: each
// migration runs in a transaction, the slot (impossible in a transaction that has written)
// is created after the commit and only if missing, and a migration is recorded only when
// all of it is done.

interface EmptyDatabase {
  name: string;
  settings: MigrationSettings;
  /** A superuser on the database, to inject the failures and look at the result. */
  admin: Client;
  migrate(): Promise<string[]>;
  drop(): Promise<void>;
}

async function emptyDatabase(): Promise<EmptyDatabase> {
  const cluster = sharedCluster();
  const name = `books_retry_${randomBytes(4).toString('hex')}`;
  const server = new Client({ connectionString: cluster.adminUrl });
  await server.connect();
  await server.query(`CREATE DATABASE ${name} OWNER ${DEFAULT_ROLES.owner}`);
  await server.end();
  const admin = new Client({ connectionString: cluster.adminUrl.replace(/\/postgres$/, `/${name}`) });
  await admin.connect();
  const settings = { publication: `pub_${name}`, slot: `slot_${name}`, appRole: DEFAULT_ROLES.app, cdcRole: DEFAULT_ROLES.cdc };
  const ownerUrl = `postgres://${DEFAULT_ROLES.owner}:${cluster.passwords.owner}@${cluster.host}:${cluster.port}/${name}`;
  return {
    name,
    settings,
    admin,
    async migrate() {
      // as the migrate CLI does: one connection
      const owner = createSequelize({ url: ownerUrl, poolMax: 1 });
      try {
        return await migrate(owner, bookMigrations, settings);
      } finally {
        await owner.close();
      }
    },
    async drop() {
      await admin.query('SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1', [settings.slot]);
      await admin.end();
      const c = new Client({ connectionString: cluster.adminUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** The real error: umzug wraps it ("Migration 0002-create-outbox (up) failed: Original error: …"). */
async function failure(run: Promise<unknown>): Promise<string> {
  const error = await run.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Error);
  const e = error as Error & { cause?: Error };
  return `${e.message} / ${e.cause?.message ?? ''}`;
}

async function state(db: EmptyDatabase) {
  const q = async (sql: string, params: unknown[] = []) => (await db.admin.query(sql, params)).rows;
  return {
    recorded: (await q('SELECT name FROM schema_migrations ORDER BY name')).map((r) => r.name),
    tables: (await q("SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schema_migrations' ORDER BY 1")).map((r) => r.tablename),
    publication: (await q('SELECT tablename FROM pg_publication_tables WHERE pubname = $1 ORDER BY 1', [db.settings.publication])).map((r) => r.tablename),
    slot: await q('SELECT slot_type, plugin, database FROM pg_replication_slots WHERE slot_name = $1', [db.settings.slot]),
    heartbeats: (await q("SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'cdc_heartbeat'"))[0].n
      ? (await q('SELECT count(*)::int AS n FROM cdc_heartbeat'))[0].n
      : 0,
  };
}

describe('migrations after a partial failure', () => {
  let db: EmptyDatabase;
  beforeAll(async () => {
    db = await emptyDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('a failure inside the transaction (publication) reports the real error and leaves nothing of that migration', async () => {
    // a conflicting object made beforehand: a publication of that name, of another owner, publishing nothing
    await db.admin.query(`CREATE PUBLICATION ${db.settings.publication}`);
    const message = await failure(db.migrate());
    expect(message).toMatch(new RegExp(`publication "${db.settings.publication}" already exists and publishes no table, not exactly cdc_heartbeat and outbox`));
    expect(message).not.toMatch(/relation .* already exists/);
    expect(await state(db)).toMatchObject({ recorded: ['0001-create-books'], tables: ['books'], slot: [] });
  });

  it('the retry after removing the cause gets further; a failure after the commit (slot) is reported and leaves the migration unrecorded', async () => {
    await db.admin.query(`DROP PUBLICATION ${db.settings.publication}`);
    // slot names are shared by the whole server: a physical slot of that name is in the way
    await db.admin.query('SELECT pg_create_physical_replication_slot($1)', [db.settings.slot]);
    const message = await failure(db.migrate());
    expect(message).toMatch(new RegExp(`replication slot "${db.settings.slot}" already exists and is a physical slot`));
    expect(await state(db)).toMatchObject({
      recorded: ['0001-create-books'], // 0002 is not done, so not recorded
      tables: ['books', 'cdc_heartbeat', 'outbox'], // its transaction committed
      publication: ['cdc_heartbeat', 'outbox'],
      slot: [{ slot_type: 'physical' }],
    });
  });

  it('the next retry, with the cause removed, completes the schema and creates the slot', async () => {
    await db.admin.query('SELECT pg_drop_replication_slot($1)', [db.settings.slot]);
    expect(await db.migrate()).toEqual(ALL.slice(1));
    expect(await state(db)).toEqual({
      recorded: ALL,
      tables: ['books', 'cdc_heartbeat', 'idempotency_keys', 'outbox'],
      publication: ['cdc_heartbeat', 'outbox'],
      slot: [{ slot_type: 'logical', plugin: 'pgoutput', database: db.name }],
      heartbeats: 1,
    });
  });

  it('a third run is a no-op', async () => {
    const before = await state(db);
    expect(await db.migrate()).toEqual([]);
    expect(await state(db)).toEqual(before);
  });
});

describe('why the slot is created after the commit', () => {
  it('PostgreSQL refuses a logical slot in a transaction that has written', async () => {
    const db = await emptyDatabase();
    try {
      await db.admin.query('BEGIN');
      await db.admin.query('CREATE TABLE t (id int)');
      await expect(db.admin.query("SELECT pg_create_logical_replication_slot($1, 'pgoutput')", [db.settings.slot])).rejects.toThrow(
        /cannot create logical replication slot in transaction that has performed writes/,
      );
      await db.admin.query('ROLLBACK');
    } finally {
      await db.drop();
    }
  });
});

describe('a database left half-migrated by the migrator before transactions', () => {
  it('migrates: the outbox part is idempotent and the slot is created if missing', async () => {
    const db = await emptyDatabase();
    try {
      expect(await db.migrate()).toEqual(ALL);
      // what a failed slot step left with the old migrator: tables and publication, no slot, 0002 and 0003 unrecorded
      await db.admin.query('SELECT pg_drop_replication_slot($1)', [db.settings.slot]);
      await db.admin.query("DELETE FROM schema_migrations WHERE name IN ('0002-create-outbox', '0003-create-idempotency-keys')");
      await db.admin.query('DROP TABLE idempotency_keys');
      expect(await db.migrate()).toEqual(['0002-create-outbox', '0003-create-idempotency-keys']);
      expect(await state(db)).toMatchObject({ slot: [{ slot_type: 'logical', plugin: 'pgoutput' }], heartbeats: 1 });
    } finally {
      await db.drop();
    }
  });
});
