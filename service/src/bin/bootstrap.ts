import { bootstrapCatalog, bootstrapRoles, CATALOG } from '../shared/db/roles';
import { databaseTarget, DatabaseTlsError, describeTls } from '../shared/db/ssl';

/**
 * `npm run db:bootstrap`: creates the roles and the database. Reads
 * ADMIN_DATABASE_URL (a superuser, or a role with CREATEROLE and CREATEDB),
 * BOOK_DATABASE (default books) and BOOK_OWNER_PASSWORD, BOOK_APP_PASSWORD,
 * BOOK_CDC_PASSWORD from the environment, never from arguments or files in the repo.
 * With BOOK_CATALOG_PASSWORD, also the book-catalog consumer's role book_catalog and its
 * database CATALOG_DATABASE (default catalog).
 * TLS: sslmode/sslrootcert in ADMIN_DATABASE_URL, else PGSSLMODE/PGSSLROOTCERT (shared/db/ssl.ts).
 */
async function main(): Promise<void> {
  const env = process.env;
  const missing = ['ADMIN_DATABASE_URL', 'BOOK_OWNER_PASSWORD', 'BOOK_APP_PASSWORD', 'BOOK_CDC_PASSWORD'].filter((k) => !env[k]);
  if (missing.length) throw new Error(`missing environment variables: ${missing.join(', ')}`);
  const database = env.BOOK_DATABASE || 'books';
  const catalogDatabase = env.CATALOG_DATABASE || CATALOG.database;
  // Checked first, so that a wrong sslmode is reported as such (never with the URL).
  const { tls } = databaseTarget(env.ADMIN_DATABASE_URL!, env, 'ADMIN_DATABASE_URL');
  try {
    await bootstrapRoles(env.ADMIN_DATABASE_URL!, database, {
      owner: env.BOOK_OWNER_PASSWORD!,
      app: env.BOOK_APP_PASSWORD!,
      cdc: env.BOOK_CDC_PASSWORD!,
    });
    if (env.BOOK_CATALOG_PASSWORD) await bootstrapCatalog(env.ADMIN_DATABASE_URL!, env.BOOK_CATALOG_PASSWORD, catalogDatabase);
  } catch (error) {
    if (error instanceof DatabaseTlsError) throw error;
    throw new Error(`${error instanceof Error ? error.message : String(error)} (${describeTls(tls)})`, { cause: error });
  }
  console.log(`roles book_owner, book_app, book_cdc and database ${database} are ready`);
  if (env.BOOK_CATALOG_PASSWORD) console.log(`role ${CATALOG.role} and database ${catalogDatabase} are ready`);
}

main().catch((error: unknown) => {
  console.error(`bootstrap failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
