import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { migrate } from '../../src/db/migrator';
import { createSequelize } from '../../src/db/sequelize';
import { DEFAULT_ROLES } from '../../src/db/roles';

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

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run these tests through jest (globalSetup starts PostgreSQL)`);
  return value;
}

function roleUrl(user: string, password: string, database: string): string {
  return `postgres://${user}:${password}@${env('TEST_PG_HOST')}:${env('TEST_PG_PORT')}/${database}`;
}

/** A fresh database migrated by the owner role, with its own slot; the app connects as book_app. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `books_${randomBytes(4).toString('hex')}`;
  const passwords = JSON.parse(env('TEST_PG_PASSWORDS')) as { owner: string; app: string };
  const server = new Client({ connectionString: env('TEST_PG_ADMIN_URL') });
  await server.connect();
  await server.query(`CREATE DATABASE ${name} OWNER ${DEFAULT_ROLES.owner}`);
  await server.query(`GRANT CONNECT ON DATABASE ${name} TO ${DEFAULT_ROLES.app}, ${DEFAULT_ROLES.cdc}`);
  await server.end();

  const settings = { publication: `pub_${name}`, slot: `slot_${name}`, appRole: DEFAULT_ROLES.app, cdcRole: DEFAULT_ROLES.cdc };
  const ownerUrl = roleUrl(DEFAULT_ROLES.owner, passwords.owner, name);
  const owner = createSequelize({ url: ownerUrl, poolMax: 1 });
  await migrate(owner, settings);
  await owner.close();

  const adminUrl = env('TEST_PG_ADMIN_URL').replace(/\/postgres$/, `/${name}`);
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
      const c = new Client({ connectionString: env('TEST_PG_ADMIN_URL') });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}
