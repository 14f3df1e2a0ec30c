import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * `promise`, or a rejection naming `what` once `ms` pass without an answer; `onTimeout` can
 * release what the promise holds (a socket). The promise itself is left to settle on its own.
 */
export function withTimeout<T>(what: string, promise: Promise<T>, ms: number, onTimeout?: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout?.();
      reject(new Error(`${what}: no answer within ${ms} ms`));
    }, ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Thrown by a waitFor/pollUntil check to stop waiting at once (a process died, a connector FAILED). */
export class StopWaiting extends Error {}

export interface PollOptions {
  /** Pause between checks (default 200 ms). */
  intervalMs?: number;
  /** Called between checks, e.g. to log progress. */
  onPoll?: () => void;
  /**
   * A check that has not settled after this long counts as a failed attempt and polling goes on
   * (a cluster call whose connection went silent would otherwise hold the loop past its deadline).
   */
  attemptTimeoutMs?: number;
}

export interface WaitOptions extends PollOptions {
  /** What was last seen, for the timeout message (a log tail, the last status). */
  detail?: () => string;
}

/**
 * Polls `check` until it returns something truthy, for at most `timeoutMs`; undefined then.
 * A check that throws counts as not yet (its error is kept for the caller's message),
 * except StopWaiting, which is thrown on at once.
 */
export async function pollUntil<T>(
  timeoutMs: number,
  check: () => T | Promise<T>,
  options: PollOptions = {},
): Promise<{ value?: NonNullable<T>; lastError?: unknown }> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const attempt = Promise.resolve().then(check);
      const value = options.attemptTimeoutMs ? await withTimeout('a check', attempt, options.attemptTimeoutMs) : await attempt;
      if (value) return { value: value as NonNullable<T> };
    } catch (error) {
      if (error instanceof StopWaiting) throw error;
      lastError = error;
    }
    if (Date.now() > deadline) return { lastError };
    options.onPoll?.();
    await sleep(options.intervalMs ?? 200);
  }
}

/** Polls `check` until it returns something truthy; throws after `timeoutMs` naming `what` (see pollUntil). */
export async function waitFor<T>(
  what: string,
  timeoutMs: number,
  check: () => T | Promise<T>,
  options: number | WaitOptions = {},
): Promise<NonNullable<T>> {
  const o = typeof options === 'number' ? { intervalMs: options } : options;
  const { value, lastError } = await pollUntil(timeoutMs, check, o);
  if (value) return value;
  const reason = lastError instanceof Error ? `: ${lastError.message}` : '';
  const detail = o.detail ? `; ${o.detail()}` : '';
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${reason}${detail}`);
}

/** The last lines of a log file, for an error message; '(no log)' when it cannot be read. */
export function tailOf(file: string, lines = 40): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
