import { accessSync, constants, readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import type { ClientConfig } from 'pg';

/**
 * TLS to PostgreSQL with libpq's meaning of sslmode, for every connection the service
 * and its CLIs open (Sequelize and plain `pg` clients).
 *
 * node-postgres does not follow libpq: any sslmode but `disable` (in PGSSLMODE or in the
 * URL) means full verification against Node's built-in CAs, and `prefer` never falls
 * back. So the mode is read here, removed from the URL before pg sees it, and turned into
 * explicit `ssl` options:
 *
 * | sslmode       | encrypted | chain verified                   | host name verified |
 * |---------------|-----------|----------------------------------|--------------------|
 * | `disable`     | no        | -                                | -                  |
 * | `require`     | yes       | no (yes with a CA bundle, libpq) | no                 |
 * | `verify-ca`   | yes       | yes                              | no                 |
 * | `verify-full` | yes       | yes                              | yes                |
 *
 * The CA bundle is PGSSLROOTCERT (or `sslrootcert=` in the URL), a PEM file of one or
 * more certificates; without one (or with the value `system`) the chain is verified
 * against Node's built-in CAs (libpq's `sslrootcert=system`), which is right for servers
 * with a certificate from a public CA. As in libpq, `require` with a CA bundle verifies
 * the chain like `verify-ca`.
 *
 * `allow` and `prefer` are refused: both may end up unencrypted without telling anyone,
 * and neither falls back here. Without any sslmode the connection is unencrypted
 * (`disable`; libpq's default would be `prefer`).
 */
export const SSL_MODES = ['disable', 'require', 'verify-ca', 'verify-full'] as const;
export type SslMode = (typeof SSL_MODES)[number];

export interface DatabaseTls {
  mode: SslMode;
  /** Path of the CA bundle; undefined or `system`: Node's built-in CAs. */
  rootCert?: string;
}

/** A connection URL without TLS parameters, and the TLS settings taken out of it and the environment. */
export interface DatabaseTarget {
  url: string;
  tls: DatabaseTls;
}

type Env = Record<string, string | undefined>;

export class DatabaseTlsError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
    this.name = 'DatabaseTlsError';
  }
}

/** URL parameters this module takes out of the URL. */
const TLS_PARAMS = new Set(['sslmode', 'sslrootcert']);
/** URL parameters pg-connection-string would turn into its own ssl settings (overriding ours). */
const UNSUPPORTED_PARAM = /^(ssl.*|uselibpqcompat)$/i;

/** A value that may be echoed in an error message (a URL part could be anything, even a password). */
function shown(value: string): string {
  return /^[\w.-]{0,32}$/.test(value) ? ` (got "${value}")` : '';
}

function splitQuery(url: string): { base: string; params: URLSearchParams; fragment: string } {
  const hash = url.indexOf('#');
  const fragment = hash >= 0 ? url.slice(hash) : '';
  const rest = hash >= 0 ? url.slice(0, hash) : url;
  const q = rest.indexOf('?');
  return q >= 0
    ? { base: rest.slice(0, q), params: new URLSearchParams(rest.slice(q + 1)), fragment }
    : { base: rest, params: new URLSearchParams(), fragment };
}

/**
 * Reads sslmode and the CA bundle from `sslmode=`/`sslrootcert=` in the URL (first) or
 * PGSSLMODE/PGSSLROOTCERT, and returns the URL without them. Problems name the setting,
 * never the URL (it may hold a password). `urlName` is how the URL is called in messages.
 */
export function parseDatabaseTarget(
  url: string,
  env: Env = process.env,
  urlName = 'DATABASE_URL',
): { target: DatabaseTarget; problems: string[] } {
  const problems: string[] = [];
  const { base, params, fragment } = splitQuery(url);
  const rest = new URLSearchParams();
  let urlMode: string | undefined;
  let urlRootCert: string | undefined;
  for (const [key, value] of params) {
    if (key === 'sslmode') urlMode = value;
    else if (key === 'sslrootcert') urlRootCert = value;
    else if (UNSUPPORTED_PARAM.test(key) && !TLS_PARAMS.has(key)) {
      problems.push(`${urlName} parameter ${key} is not supported (TLS is set with sslmode and sslrootcert, or PGSSLMODE and PGSSLROOTCERT)`);
    } else rest.append(key, value);
  }
  const query = rest.toString();
  const strippedUrl = base + (query ? `?${query}` : '') + fragment;

  const [modeSource, rawMode] = urlMode !== undefined ? [`sslmode in ${urlName}`, urlMode] : ['PGSSLMODE', env.PGSSLMODE];
  let mode: SslMode = 'disable';
  if (rawMode) {
    if ((SSL_MODES as readonly string[]).includes(rawMode)) mode = rawMode as SslMode;
    else if (rawMode === 'allow' || rawMode === 'prefer') {
      problems.push(
        `${modeSource}=${rawMode} is not supported: use require (encrypted, certificate not verified), ` +
          `verify-ca or verify-full (encrypted and verified), or disable; ${rawMode} could silently connect unencrypted`,
      );
    } else {
      problems.push(`${modeSource} must be one of ${SSL_MODES.join(', ')}${shown(rawMode)}`);
    }
  }

  const [rootSource, rawRoot] = urlRootCert !== undefined ? [`sslrootcert in ${urlName}`, urlRootCert] : ['PGSSLROOTCERT', env.PGSSLROOTCERT];
  const rootCert = rawRoot || undefined;
  if (rootCert && mode !== 'disable') {
    if (rootCert === 'system') {
      // libpq: "weak sslmode ... may not be used with sslrootcert=system"
      if (mode !== 'verify-full') problems.push(`${rootSource}=system needs sslmode verify-full (got ${mode})`);
    } else {
      try {
        accessSync(rootCert, constants.R_OK);
      } catch (error) {
        problems.push(`${rootSource}: cannot read the CA bundle ${rootCert} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
      }
    }
  }
  return { target: { url: strippedUrl, tls: { mode, rootCert } }, problems };
}

/** parseDatabaseTarget, throwing a DatabaseTlsError when anything is wrong. */
export function databaseTarget(url: string, env: Env = process.env, urlName = 'DATABASE_URL'): DatabaseTarget {
  const { target, problems } = parseDatabaseTarget(url, env, urlName);
  if (problems.length) throw new DatabaseTlsError(problems);
  return target;
}

/**
 * The `ssl` option of a pg client (also Sequelize's dialectOptions.ssl): always explicit,
 * so that pg never falls back to its own reading of PGSSLMODE. Reads the CA bundle now.
 */
export function pgSsl(tls: DatabaseTls): false | ConnectionOptions {
  if (tls.mode === 'disable') return false;
  const ca = tls.rootCert && tls.rootCert !== 'system' ? readFileSync(tls.rootCert, 'utf8') : undefined;
  switch (tls.mode) {
    case 'require':
      // libpq: with a root certificate file, require verifies the chain like verify-ca.
      return ca ? { rejectUnauthorized: true, ca, checkServerIdentity: () => undefined } : { rejectUnauthorized: false };
    case 'verify-ca':
      return { rejectUnauthorized: true, ...(ca ? { ca } : {}), checkServerIdentity: () => undefined };
    case 'verify-full':
      return { rejectUnauthorized: true, ...(ca ? { ca } : {}) };
  }
}

/** `new Client(pgClientConfig(url))`: a pg client configuration with libpq TLS semantics. */
export function pgClientConfig(url: string, env: Env = process.env, urlName = 'DATABASE_URL'): ClientConfig {
  const { url: connectionString, tls } = databaseTarget(url, env, urlName);
  return { connectionString, ssl: pgSsl(tls) };
}

/** A short description for error messages, e.g. `sslmode=verify-full, CA bundle /etc/ca.crt`. */
export function describeTls(tls: DatabaseTls): string {
  if (tls.mode === 'disable') return 'sslmode=disable';
  const ca = tls.rootCert && tls.rootCert !== 'system' ? `CA bundle ${tls.rootCert}` : "Node's built-in CAs";
  return tls.mode === 'require' && !(tls.rootCert && tls.rootCert !== 'system') ? 'sslmode=require' : `sslmode=${tls.mode}, ${ca}`;
}
