import { startOwnCluster } from '../../support/test-database';

/** One throwaway PostgreSQL for the component tests; each test file gets its own database. */
export default async function globalSetup(): Promise<void> {
  const cluster = await startOwnCluster();
  console.log(`\n[component] PostgreSQL (${cluster.server.kind}) on ${cluster.host}:${cluster.port}`);
  // Workers inherit the environment set here; the ones that start a server of their own use the same kind.
  process.env.BOOK_POSTGRES = cluster.server.kind;
  process.env.TEST_PG_ADMIN_URL = cluster.adminUrl;
  process.env.TEST_PG_HOST = cluster.host;
  process.env.TEST_PG_PORT = String(cluster.port);
  process.env.TEST_PG_PASSWORDS = JSON.stringify(cluster.passwords);
  (globalThis as { __postgres?: unknown }).__postgres = cluster.server;
}
