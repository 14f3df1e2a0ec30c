import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { bookMigrations } from '../../src/api/migrations';
import { migrate } from '../../src/shared/db/migrator';
import { createSequelize } from '../../src/shared/db/sequelize';
import { bootstrapRoles, DEFAULT_ROLES } from '../../src/shared/db/roles';
import { PostgresServer, startPostgres } from '../../../tools/stack/postgres';

export interface TestDatabase {
  name: string;
  slot: string;
  publication: string;
  /** Connection URLs per role. */
  appUrl: string;
  ownerUrl: string;
  adminUrl: string;
  /** A superuser client on this database, to look at rows and inject faults. */
  admin: Client;
  drop(): Promise<void>;
}

/** A PostgreSQL server whose roles were bootstrapped (see component/support/global-setup.ts). */
export interface TestCluster {
  adminUrl: string;
  host: string;
  port: number;
  passwords: { owner: string; app: string; cdc: string };
}

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run these tests through jest (globalSetup starts PostgreSQL)`);
  return value;
}

/** The cluster started by the component project's globalSetup (component/support/global-setup.ts). */
export function sharedCluster(): TestCluster {
  return {
    adminUrl: env('TEST_PG_ADMIN_URL'),
    host: env('TEST_PG_HOST'),
    port: Number(env('TEST_PG_PORT')),
    passwords: JSON.parse(env('TEST_PG_PASSWORDS')),
  };
}

/** Starts a PostgreSQL of its own (for tests that stop or misconfigure the server) and bootstraps the roles. */
export async function startOwnCluster(settings?: Record<string, string>): Promise<TestCluster & { server: PostgresServer }> {
  const server = await startPostgres({ settings });
  const passwords = { owner: randomBytes(9).toString('hex'), app: randomBytes(9).toString('hex'), cdc: randomBytes(9).toString('hex') };
  const adminUrl = server.url(server.superuser, server.superuserPassword, 'postgres');
  await bootstrapRoles(adminUrl, 'books', passwords);
  return { server, adminUrl, host: server.host, port: server.port, passwords };
}

/** A fresh database migrated by the owner role, with its own slot; the app connects as book_app. */
export async function createTestDatabase(cluster: TestCluster = sharedCluster()): Promise<TestDatabase> {
  const roleUrl = (user: string, password: string, database: string) =>
    `postgres://${user}:${password}@${cluster.host}:${cluster.port}/${database}`;
  const name = `books_${randomBytes(4).toString('hex')}`;
  const passwords = cluster.passwords;
  const server = new Client({ connectionString: cluster.adminUrl });
  await server.connect();
  await server.query(`CREATE DATABASE ${name} OWNER ${DEFAULT_ROLES.owner}`);
  await server.query(`GRANT CONNECT ON DATABASE ${name} TO ${DEFAULT_ROLES.app}, ${DEFAULT_ROLES.cdc}`);
  await server.end();

  const settings = { publication: `pub_${name}`, slot: `slot_${name}`, appRole: DEFAULT_ROLES.app, cdcRole: DEFAULT_ROLES.cdc };
  const ownerUrl = roleUrl(DEFAULT_ROLES.owner, passwords.owner, name);
  const owner = createSequelize({ url: ownerUrl, poolMax: 1 });
  await migrate(owner, bookMigrations, settings);
  await owner.close();

  const adminUrl = cluster.adminUrl.replace(/\/postgres$/, `/${name}`);
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  return {
    name,
    slot: settings.slot,
    publication: settings.publication,
    appUrl: roleUrl(DEFAULT_ROLES.app, passwords.app, name),
    ownerUrl,
    adminUrl,
    admin,
    async drop() {
      await admin.query('SELECT pg_drop_replication_slot($1)', [settings.slot]).catch(() => undefined);
      await admin.end();
      const c = new Client({ connectionString: cluster.adminUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}
