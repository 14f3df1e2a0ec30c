import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkServerIdentity } from 'node:tls';
import { loadConfig } from '../../src/api/config';
import { ConfigError } from '../../src/shared/config';
import { databaseTarget, DatabaseTlsError, describeTls, parseDatabaseTarget, pgClientConfig, pgSsl } from '../../src/shared/db/ssl';

const URL_ = 'postgres://app:s3cret@db.internal:5432/books';
const dir = mkdtempSync(join(tmpdir(), 'tls-unit-'));
const CA = join(dir, 'ca.crt');
writeFileSync(CA, '-----BEGIN CERTIFICATE-----\nnot checked here\n-----END CERTIFICATE-----\n');

describe('parseDatabaseTarget', () => {
  it('defaults to disable (no TLS) with nothing set', () => {
    expect(databaseTarget(URL_, {})).toEqual({ url: URL_, tls: { mode: 'disable', rootCert: undefined } });
  });

  it('reads PGSSLMODE and PGSSLROOTCERT', () => {
    expect(databaseTarget(URL_, { PGSSLMODE: 'verify-full', PGSSLROOTCERT: CA }).tls).toEqual({ mode: 'verify-full', rootCert: CA });
  });

  it('takes sslmode and sslrootcert out of the URL, keeping the other parameters, and prefers them to the environment', () => {
    const { url, tls } = databaseTarget(`${URL_}?application_name=x&sslmode=require&sslrootcert=${encodeURIComponent(CA)}`, {
      PGSSLMODE: 'disable',
      PGSSLROOTCERT: '/nowhere',
    });
    expect(url).toBe(`${URL_}?application_name=x`);
    expect(tls).toEqual({ mode: 'require', rootCert: CA });
    expect(databaseTarget(`${URL_}?sslmode=verify-ca`, {}).url).toBe(URL_);
  });

  it.each(['allow', 'prefer'])('refuses %s, naming the supported modes', (mode) => {
    const { problems } = parseDatabaseTarget(URL_, { PGSSLMODE: mode });
    expect(problems).toEqual([expect.stringMatching(new RegExp(`^PGSSLMODE=${mode} is not supported: use require .*verify-ca or verify-full.*disable`))]);
  });

  it('names an unknown mode and where it came from, never the URL', () => {
    const fromUrl = parseDatabaseTarget(`${URL_}?sslmode=verify`, {}).problems;
    expect(fromUrl).toEqual(['sslmode in DATABASE_URL must be one of disable, require, verify-ca, verify-full (got "verify")']);
    const odd = parseDatabaseTarget(`postgres://u:p@h/db?sslmode=${encodeURIComponent('s3cret stuff!')}`, {}, 'ADMIN_DATABASE_URL').problems;
    expect(odd).toEqual(['sslmode in ADMIN_DATABASE_URL must be one of disable, require, verify-ca, verify-full']);
    expect(parseDatabaseTarget(URL_, { PGSSLMODE: 'on' }).problems).toEqual([
      'PGSSLMODE must be one of disable, require, verify-ca, verify-full (got "on")',
    ]);
  });

  it('refuses URL parameters pg would turn into TLS settings of its own', () => {
    const { problems } = parseDatabaseTarget(`${URL_}?ssl=true&sslcert=/c&uselibpqcompat=true`, {});
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(/^DATABASE_URL parameter ssl is not supported/);
  });

  it('checks the CA bundle is readable when TLS is on, and ignores it when off', () => {
    expect(parseDatabaseTarget(URL_, { PGSSLMODE: 'verify-ca', PGSSLROOTCERT: join(dir, 'missing.crt') }).problems).toEqual([
      `PGSSLROOTCERT: cannot read the CA bundle ${join(dir, 'missing.crt')} (ENOENT)`,
    ]);
    expect(parseDatabaseTarget(URL_, { PGSSLMODE: 'disable', PGSSLROOTCERT: '/nowhere' }).problems).toEqual([]);
  });

  it('accepts sslrootcert=system only with verify-full, as libpq does', () => {
    expect(parseDatabaseTarget(URL_, { PGSSLMODE: 'verify-full', PGSSLROOTCERT: 'system' }).problems).toEqual([]);
    expect(parseDatabaseTarget(URL_, { PGSSLMODE: 'require', PGSSLROOTCERT: 'system' }).problems).toEqual([
      'PGSSLROOTCERT=system needs sslmode verify-full (got require)',
    ]);
  });

  it('throws a DatabaseTlsError listing the problems', () => {
    expect(() => databaseTarget(URL_, { PGSSLMODE: 'prefer' })).toThrow(DatabaseTlsError);
  });
});

describe('pgSsl: the ssl option handed to pg', () => {
  const identityChecked = (ssl: ReturnType<typeof pgSsl>) =>
    ssl !== false && (ssl.checkServerIdentity === undefined || ssl.checkServerIdentity === checkServerIdentity);

  it('disable: no TLS at all (explicitly false, so pg never reads PGSSLMODE itself)', () => {
    expect(pgSsl({ mode: 'disable', rootCert: CA })).toBe(false);
  });

  it('require: encrypted, nothing verified', () => {
    expect(pgSsl({ mode: 'require' })).toEqual({ rejectUnauthorized: false });
  });

  it('require with a CA bundle: the chain is verified (libpq), not the host name', () => {
    const ssl = pgSsl({ mode: 'require', rootCert: CA });
    expect(ssl).toMatchObject({ rejectUnauthorized: true, ca: expect.stringContaining('BEGIN CERTIFICATE') });
    expect(identityChecked(ssl)).toBe(false);
  });

  it('verify-ca: the chain against the bundle, not the host name', () => {
    const ssl = pgSsl({ mode: 'verify-ca', rootCert: CA });
    expect(ssl).toMatchObject({ rejectUnauthorized: true, ca: expect.stringContaining('BEGIN CERTIFICATE') });
    expect(identityChecked(ssl)).toBe(false);
  });

  it("verify-full: chain and host name; without a bundle against Node's built-in CAs", () => {
    expect(pgSsl({ mode: 'verify-full', rootCert: CA })).toEqual({ rejectUnauthorized: true, ca: expect.any(String) });
    expect(pgSsl({ mode: 'verify-full' })).toEqual({ rejectUnauthorized: true });
    expect(pgSsl({ mode: 'verify-full', rootCert: 'system' })).toEqual({ rejectUnauthorized: true });
  });

  it('pgClientConfig: a URL pg cannot misread, and the explicit ssl option', () => {
    expect(pgClientConfig(`${URL_}?sslmode=require`, {})).toEqual({ connectionString: URL_, ssl: { rejectUnauthorized: false } });
  });

  it('describes the settings for error messages', () => {
    expect(describeTls({ mode: 'require' })).toBe('sslmode=require');
    expect(describeTls({ mode: 'verify-full', rootCert: CA })).toBe(`sslmode=verify-full, CA bundle ${CA}`);
    expect(describeTls({ mode: 'verify-ca' })).toBe("sslmode=verify-ca, Node's built-in CAs");
  });
});

describe('loadConfig and TLS', () => {
  it('keeps the URL without TLS parameters and the TLS settings apart', () => {
    const config = loadConfig({ DATABASE_URL: `${URL_}?sslmode=verify-full`, PGSSLROOTCERT: CA });
    expect(config.databaseUrl).toBe(URL_);
    expect(config.databaseTls).toEqual({ mode: 'verify-full', rootCert: CA });
  });

  it('applies PGSSLMODE to a URL built from PG* variables (the chart)', () => {
    const config = loadConfig({ PGHOST: 'db', PGUSER: 'app', PGPASSWORD: 'pw', PGDATABASE: 'books', PGSSLMODE: 'require' });
    expect(config.databaseTls).toEqual({ mode: 'require', rootCert: undefined });
  });

  it('reports a wrong mode with the other problems, without the URL or password', () => {
    let error: unknown;
    try {
      loadConfig({ DATABASE_URL: `postgres://app:hunter2@db/books?sslmode=prefer`, PORT: 'x' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toHaveLength(2);
    expect((error as ConfigError).message).toMatch(/sslmode in DATABASE_URL=prefer is not supported/);
    expect((error as ConfigError).message).not.toContain('hunter2');
  });
});
