import { Client, escapeIdentifier, escapeLiteral } from 'pg';
import { pgClientConfig } from './ssl';

export interface RolePasswords {
  owner: string;
  app: string;
  cdc: string;
}

export interface RoleNames {
  owner: string;
  app: string;
  cdc: string;
}

export const DEFAULT_ROLES: RoleNames = { owner: 'book_owner', app: 'book_app', cdc: 'book_cdc' };

/** The read model's database and its one role (it migrates and runs the book-catalog consumer). */
export const CATALOG = { role: 'book_catalog', database: 'catalog' };

/**
 * Least privilege, run once by an administrator: the owner migrates (and needs
 * REPLICATION to create the outbox slot), the app only reads and writes rows,
 * Debezium only replicates. Idempotent: re-running resets the passwords.
 */
export async function bootstrapRoles(
  adminUrl: string,
  database: string,
  passwords: RolePasswords,
  roles: RoleNames = DEFAULT_ROLES,
): Promise<void> {
  // TLS from sslmode/sslrootcert in the URL, else PGSSLMODE/PGSSLROOTCERT (libpq semantics, see ssl.ts).
  const admin = new Client(pgClientConfig(adminUrl, process.env, 'ADMIN_DATABASE_URL'));
  await admin.connect();
  try {
    const attributes: Record<keyof RoleNames, string> = { owner: 'LOGIN REPLICATION', app: 'LOGIN', cdc: 'LOGIN REPLICATION' };
    for (const kind of ['owner', 'app', 'cdc'] as const) {
      const role = escapeIdentifier(roles[kind]);
      const exists = await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [roles[kind]]);
      const verb = exists.rowCount ? 'ALTER' : 'CREATE';
      await admin.query(`${verb} ROLE ${role} WITH ${attributes[kind]} PASSWORD ${escapeLiteral(passwords[kind])}`);
    }
    const db = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (!db.rowCount) await admin.query(`CREATE DATABASE ${escapeIdentifier(database)} OWNER ${escapeIdentifier(roles.owner)}`);
    await admin.query(`REVOKE ALL ON DATABASE ${escapeIdentifier(database)} FROM PUBLIC`);
    await admin.query(
      `GRANT CONNECT ON DATABASE ${escapeIdentifier(database)} TO ${escapeIdentifier(roles.app)}, ${escapeIdentifier(roles.cdc)}`,
    );
  } finally {
    await admin.end();
  }
}

/**
 * The book-catalog consumer's own database and role: the role owns the database (it runs the
 * catalog migrations and the consumer; the read model can be rebuilt from the topic), nobody
 * else may connect. Idempotent: re-running resets the password.
 */
export async function bootstrapCatalog(adminUrl: string, password: string, database = CATALOG.database, role = CATALOG.role): Promise<void> {
  const admin = new Client(pgClientConfig(adminUrl, process.env, 'ADMIN_DATABASE_URL'));
  await admin.connect();
  try {
    const exists = await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
    await admin.query(`${exists.rowCount ? 'ALTER' : 'CREATE'} ROLE ${escapeIdentifier(role)} WITH LOGIN PASSWORD ${escapeLiteral(password)}`);
    const db = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (!db.rowCount) await admin.query(`CREATE DATABASE ${escapeIdentifier(database)} OWNER ${escapeIdentifier(role)}`);
    await admin.query(`REVOKE ALL ON DATABASE ${escapeIdentifier(database)} FROM PUBLIC`);
  } finally {
    await admin.end();
  }
}
