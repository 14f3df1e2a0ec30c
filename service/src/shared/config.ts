/** What every program's configuration is made of: environment variables read and checked, every problem collected. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

export type Env = Record<string, string | undefined>;
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/** Reads and checks environment variables, collecting every problem (the service's api/config.ts and the consumer's consumer/config.ts). */
export class Reader {
  readonly problems: string[] = [];
  constructor(private readonly env: Env) {}

  int(name: string, fallback: number, min: number, max: number): number {
    const raw = this.env[name];
    if (raw === undefined || raw === '') return fallback;
    if (!/^\d+$/.test(raw.trim()) || Number(raw) < min || Number(raw) > max) {
      this.problems.push(`${name} must be an integer from ${min} to ${max} (got "${raw}")`);
      return fallback;
    }
    return Number(raw);
  }

  oneOf<T extends string>(name: string, fallback: T, allowed: readonly T[]): T {
    const raw = this.env[name];
    if (raw === undefined || raw === '') return fallback;
    if (!(allowed as readonly string[]).includes(raw)) {
      this.problems.push(`${name} must be one of ${allowed.join(', ')} (got "${raw}")`);
      return fallback;
    }
    return raw as T;
  }

  /** A role name as PostgreSQL allows it (quoted where it is used): 1 to 63 characters, no control characters. */
  roleName(name: string, fallback: string): string {
    const raw = this.env[name] || fallback;
    if (raw.length > 63 || /[\u0000-\u001f\u007f]/.test(raw)) this.problems.push(`${name} must be a role name of 1 to 63 characters without control characters`);
    return raw;
  }

  /** A required (or defaulted) text setting. */
  text(name: string, fallback?: string): string {
    const raw = this.env[name] || fallback;
    if (!raw) this.problems.push(`${name} is required`);
    return raw ?? '';
  }

  identifier(name: string, fallback: string): string {
    const raw = this.env[name] || fallback;
    if (!IDENTIFIER.test(raw)) this.problems.push(`${name} must be a lower-case SQL identifier (got "${raw}")`);
    return raw;
  }
}

/** `url` when it is a postgres:// URL; else a problem naming the variable (never the value: it may hold a password). */
export function postgresUrl(name: string, url: string, problems: string[]): string {
  try {
    const parsed = new URL(url);
    if (!['postgres:', 'postgresql:'].includes(parsed.protocol)) throw new Error('protocol');
    return url;
  } catch {
    problems.push(`${name} must be a postgres://user:password@host:port/database URL`);
    return '';
  }
}
