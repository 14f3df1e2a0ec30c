import { parseArgs } from 'node:util';

let flags: ReturnType<typeof parseArgs>['values'] | undefined;

/** Command-line options as --name=value (or CHAOS_NAME / SOAK_NAME in the environment). */
export function option(name: string, envPrefix: string): string | undefined {
  flags ??= parseArgs({ strict: false, allowPositionals: true }).values;
  const flag = flags[name];
  if (typeof flag === 'string') return flag;
  return process.env[`${envPrefix}_${name.toUpperCase().replace(/-/g, '_')}`];
}

/** 90s, 3m, 1h, 1500ms or a bare number of seconds. */
export function parseDuration(text: string, what: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!match) throw new Error(`${what} must be a duration like 90s, 3m or 1h, not "${text}"`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2] ?? 's']!;
  return Number(match[1]) * unit;
}

export function parseNumber(text: string | undefined, what: string, fallback: number, min: number, max: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isFinite(n) || n < min || n > max) throw new Error(`${what} must be a number from ${min} to ${max}, not "${text}"`);
  return n;
}

export const stamp = (started: number) => `[${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s]`;

/**
 * The service settings that keep every outbox row for the whole run (the ledger needs them),
 * well past its end; for the stack's `serviceEnv`. A longer OUTBOX_RETENTION_SECONDS in
 * this process's environment is kept.
 */
export function outboxRetentionEnv(ms: number): { OUTBOX_RETENTION_SECONDS: string } {
  const current = Number(process.env.OUTBOX_RETENTION_SECONDS ?? 3600);
  const needed = Math.ceil(ms / 1000) + 3600;
  return { OUTBOX_RETENTION_SECONDS: String(current >= needed ? current : needed) };
}
