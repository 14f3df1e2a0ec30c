import { BaseError, ConnectionError, TimeoutError } from 'sequelize';

const UNAVAILABLE_CODES = new Set([
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
]);

function codeOf(error: unknown): string | undefined {
  const e = error as { code?: string; parent?: { code?: string }; original?: { code?: string } };
  return e?.parent?.code ?? e?.original?.code ?? e?.code;
}

/** True when an error means the database cannot be reached now (a 503, not a bug). */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (error instanceof ConnectionError || error instanceof TimeoutError) return true;
  const code = codeOf(error);
  if (code && (UNAVAILABLE_CODES.has(code) || code.startsWith('08'))) return true;
  const message = error instanceof Error ? error.message : '';
  return (
    error instanceof BaseError &&
    /Connection terminated|connection is closed|Client has encountered a connection error|terminating connection/i.test(message)
  );
}


const RETRYABLE_CODES = new Set([
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '55P03', // lock_not_available
  '57014', // query_canceled (statement_timeout)
]);

/** True when the same statements may well succeed if run again later: the database unavailable, a deadlock, a serialization failure, a timeout. */
export function isRetryable(error: unknown): boolean {
  const code = codeOf(error);
  return isDatabaseUnavailable(error) || (code !== undefined && RETRYABLE_CODES.has(code));
}
