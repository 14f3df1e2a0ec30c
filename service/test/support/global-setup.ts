import { randomBytes } from 'node:crypto';
import { bootstrapRoles } from '../../src/db/roles';
import { startPostgres } from '../../stack/postgres';

/** One throwaway PostgreSQL for the component tests; each test file gets its own database. */
export default async function globalSetup(): Promise<void> {
  const pg = await startPostgres();
  console.log(`\n[component] PostgreSQL (${pg.kind}) on ${pg.host}:${pg.port}`);
  const passwords = { owner: randomBytes(9).toString('hex'), app: randomBytes(9).toString('hex'), cdc: randomBytes(9).toString('hex') };
  const adminUrl = pg.url(pg.superuser, pg.superuserPassword, 'postgres');
  await bootstrapRoles(adminUrl, 'books', passwords);
  // Workers inherit the environment set here.
  process.env.TEST_PG_ADMIN_URL = adminUrl;
  process.env.TEST_PG_HOST = pg.host;
  process.env.TEST_PG_PORT = String(pg.port);
  process.env.TEST_PG_PASSWORDS = JSON.stringify(passwords);
  (globalThis as { __postgres?: unknown }).__postgres = pg;
}
