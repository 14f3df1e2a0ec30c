import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { pgClientConfig } from '../../src/shared/db/ssl';
import { PostgresServer, startPostgres } from '../../../tools/stack/postgres';
import { makeCertificates, TestCertificates } from '../support/tls';
import { json, startTestService } from '../support/test-service';
import type { TestDatabase } from '../support/test-database';

// sslmode with libpq's meaning, against a real PostgreSQL that accepts TCP connections
// only over TLS (pg_hba hostssl) with a certificate for "localhost" from a private CA.

const REPO = resolve(__dirname, '../../..');
let certs: TestCertificates;
let server: PostgresServer;
const passwords = { owner: randomBytes(9).toString('hex'), app: randomBytes(9).toString('hex'), cdc: randomBytes(9).toString('hex') };

beforeAll(async () => {
  certs = makeCertificates(['localhost']);
  server = await startPostgres({ tls: { certificate: certs.serverCertificate, key: certs.serverKey, only: true } });
}, 120_000);
afterAll(async () => {
  await server?.destroy();
  if (certs) rmSync(certs.dir, { recursive: true, force: true });
});

/** The superuser's URL on the given host name (the certificate names localhost, not 127.0.0.1). */
function adminUrl(host = '127.0.0.1', query = ''): string {
  return server.url(server.superuser, server.superuserPassword, 'postgres').replace('@127.0.0.1:', `@${host}:`) + query;
}

/** Connects with the module every connection of the service uses; resolves to pg_stat_ssl's view of it. */
async function connect(url: string, env: Record<string, string> = {}): Promise<{ ssl: boolean; version: string }> {
  const client = new Client(pgClientConfig(url, env));
  client.on('error', () => undefined);
  try {
    await client.connect();
    const { rows } = await client.query('SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
    return rows[0];
  } finally {
    await client.end().catch(() => undefined);
  }
}

describe('sslmode against a TLS-only PostgreSQL with a private CA', () => {
  it('disable: refused by the server, which says the connection was not encrypted', async () => {
    await expect(connect(adminUrl(), { PGSSLMODE: 'disable' })).rejects.toThrow(/no pg_hba.conf entry .*no encryption/);
    // no sslmode at all means disable too
    await expect(connect(adminUrl())).rejects.toThrow(/no encryption/);
  });

  it('require: encrypted without any CA, although the certificate is from an unknown CA and for another name', async () => {
    await expect(connect(adminUrl(), { PGSSLMODE: 'require' })).resolves.toEqual({ ssl: true, version: expect.stringMatching(/^TLS/) });
    await expect(connect(adminUrl('127.0.0.1', '?sslmode=require'), { PGSSLMODE: 'disable' })).resolves.toMatchObject({ ssl: true });
  });

  it('require with a CA bundle verifies the chain, as libpq does', async () => {
    await expect(connect(adminUrl(), { PGSSLMODE: 'require', PGSSLROOTCERT: certs.caFile })).resolves.toMatchObject({ ssl: true });
    await expect(connect(adminUrl(), { PGSSLMODE: 'require', PGSSLROOTCERT: certs.otherCaFile })).rejects.toThrow(/certificate/);
  });

  it('verify-ca: the chain against the CA bundle, not the host name (127.0.0.1 is not in the certificate)', async () => {
    await expect(connect(adminUrl(), { PGSSLMODE: 'verify-ca', PGSSLROOTCERT: certs.caFile })).resolves.toMatchObject({ ssl: true });
  });

  it("verify-ca fails without the CA bundle (Node's built-in CAs) and with another CA", async () => {
    // The server sends its certificate only, so Node cannot find the issuer in the trusted set.
    const untrusted = /unable to verify the first certificate|unable to get local issuer certificate|self[- ]signed certificate in certificate chain/;
    await expect(connect(adminUrl(), { PGSSLMODE: 'verify-ca' })).rejects.toThrow(untrusted);
    await expect(connect(adminUrl(), { PGSSLMODE: 'verify-ca', PGSSLROOTCERT: certs.otherCaFile })).rejects.toThrow(untrusted);
  });

  it('verify-full: succeeds when the host name is in the certificate, fails when it is not', async () => {
    await expect(connect(adminUrl('localhost'), { PGSSLMODE: 'verify-full', PGSSLROOTCERT: certs.caFile })).resolves.toMatchObject({ ssl: true });
    await expect(connect(adminUrl('127.0.0.1'), { PGSSLMODE: 'verify-full', PGSSLROOTCERT: certs.caFile })).rejects.toThrow(
      /Hostname\/IP does not match certificate's altnames: IP: 127\.0\.0\.1 is not in the cert's list/,
    );
    await expect(connect(adminUrl('localhost'), { PGSSLMODE: 'verify-full' })).rejects.toThrow(/certificate/);
  });
});

/** A CLI of the service, run from its TypeScript source the way `node dist/…` runs it, with only the given database settings. */
function runCli(script: string, env: Record<string, string>, timeout = 60_000) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(PG|DATABASE_URL|ADMIN_DATABASE_URL|BOOK_)/.test(k)));
  const run = spawnSync(process.execPath, ['--import', 'tsx', join(REPO, 'service/src/bin', script)], {
    cwd: REPO,
    env: { ...clean, LOG_LEVEL: 'silent', ...env },
    encoding: 'utf8',
    timeout,
  });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

describe('the CLIs and the service over TLS', () => {
  const bootstrapEnv = {
    BOOK_DATABASE: 'books',
    BOOK_OWNER_PASSWORD: passwords.owner,
    BOOK_APP_PASSWORD: passwords.app,
    BOOK_CDC_PASSWORD: passwords.cdc,
  };

  it('bootstrap with verify-full in ADMIN_DATABASE_URL and PGSSLROOTCERT; a host name mismatch is reported with the TLS settings', () => {
    const wrongHost = runCli('bootstrap.ts', { ...bootstrapEnv, ADMIN_DATABASE_URL: adminUrl('127.0.0.1', '?sslmode=verify-full'), PGSSLROOTCERT: certs.caFile });
    expect(wrongHost.status).toBe(1);
    expect(wrongHost.output).toMatch(/bootstrap failed: Hostname\/IP does not match .*\(sslmode=verify-full, CA bundle .*ca\.crt\)/);
    expect(wrongHost.output).not.toContain(server.superuserPassword);

    const ok = runCli('bootstrap.ts', { ...bootstrapEnv, ADMIN_DATABASE_URL: adminUrl('localhost', '?sslmode=verify-full'), PGSSLROOTCERT: certs.caFile });
    expect(ok.output).toContain('roles book_owner, book_app, book_cdc and database books are ready');
    expect(ok.status).toBe(0);
  });

  it('wait-for-postgres (the hook Jobs\' init container) takes the TLS-only server\'s refusal of a plain login for a server that is up', () => {
    const run = runCli('wait-for-postgres.ts', { PGHOST: '127.0.0.1', PGPORT: String(server.port), PGDATABASE: 'books' });
    expect(run).toEqual({ status: 0, output: expect.stringMatching(/^PostgreSQL at 127\.0\.0\.1:\d+ accepts connections \(after \d+ s\)\n$/) });
  });

  it('wait-for-postgres keeps waiting while nothing listens (the Job deadline ends the wait)', () => {
    const run = runCli('wait-for-postgres.ts', { PGHOST: '127.0.0.1', PGPORT: '1', WAIT_INTERVAL_MS: '100' }, 3_000);
    expect(run.status).toBeNull();
    expect(run.output).toContain('waiting for PostgreSQL at 127.0.0.1:1: ECONNREFUSED');
  });

  it('migrate with PGSSLMODE=verify-full and PGSSLROOTCERT (the chart\'s PG* variables)', async () => {
    const migrateEnv = {
      PGHOST: 'localhost',
      PGPORT: String(server.port),
      PGDATABASE: 'books',
      PGUSER: 'book_owner',
      PGPASSWORD: passwords.owner,
      PGSSLMODE: 'verify-full',
      PGSSLROOTCERT: certs.caFile,
    };
    const run = runCli('migrate.ts', migrateEnv);
    expect(run.output).toBe('');
    expect(run.status).toBe(0);
    const admin = new Client(pgClientConfig(adminUrl().replace(/\/postgres$/, '/books'), { PGSSLMODE: 'require' }));
    await admin.connect();
    try {
      const { rows } = await admin.query("SELECT count(*)::int AS n FROM schema_migrations");
      expect(rows[0].n).toBeGreaterThanOrEqual(3);
    } finally {
      await admin.end();
    }

    const prefer = runCli('migrate.ts', { ...migrateEnv, PGSSLMODE: 'prefer' });
    expect(prefer.status).toBe(2);
    expect(prefer.output).toMatch(/PGSSLMODE=prefer is not supported: use require/);
  });

  it('the service answers /readyz 200 and writes a book with sslmode=require, every connection encrypted', async () => {
    const appUrl = `postgres://book_app:${passwords.app}@127.0.0.1:${server.port}/books?sslmode=require`;
    const db = { appUrl, slot: 'book_outbox_slot', publication: 'book_outbox_publication' } as TestDatabase;
    const api = await startTestService(db);
    try {
      expect((await api.request('/readyz')).status).toBe(200);
      const created = await api.postJson('/books', { title: 'Over TLS', author: 'A. Uthor', price: 12.5 });
      expect(created.status).toBe(201);
      expect((await json(created)).title).toBe('Over TLS');
      const admin = new Client(pgClientConfig(adminUrl(), { PGSSLMODE: 'require' }));
      await admin.connect();
      try {
        const { rows } = await admin.query(
          "SELECT s.ssl FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid) WHERE a.application_name = 'book-service'",
        );
        expect(rows.length).toBeGreaterThan(0);
        expect(rows.every((r) => r.ssl)).toBe(true);
      } finally {
        await admin.end();
      }
    } finally {
      await api.stop();
    }
  });
});
