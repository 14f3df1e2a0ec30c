import { setTimeout as sleep } from 'node:timers/promises';
import { Client, DatabaseError } from 'pg';

/**
 * The init container of the chart's hook Jobs (`node dist/bin/wait-for-postgres.js`): waits
 * until PostgreSQL at PGHOST:PGPORT (database PGDATABASE) accepts connections, as pg_isready
 * does, without credentials. It logs in as a role that does not exist with a password that is
 * not a secret, so a server that is up always answers: with an authentication error, a missing
 * pg_hba.conf entry (a TLS-only server), or, under `trust`, a session. Only 57P03 ("the database
 * system is starting up") means not yet. Refused, unresolvable or silent: try again. The Job's
 * activeDeadlineSeconds bounds the wait.
 */
const ROLE = 'book_wait_for_postgres';
const STARTING_UP = '57P03';

const host = process.env.PGHOST || 'localhost';
const port = Number(process.env.PGPORT || 5432);
const database = process.env.PGDATABASE || 'postgres';
const intervalMs = Number(process.env.WAIT_INTERVAL_MS || 2000);

/** 'up', or why not. */
async function probe(): Promise<string> {
  const client = new Client({ host, port, database, user: ROLE, password: ROLE, ssl: false, connectionTimeoutMillis: 5000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return 'up';
  } catch (error) {
    if (error instanceof DatabaseError) return error.code === STARTING_UP ? `starting up (${STARTING_UP})` : 'up';
    return (error as NodeJS.ErrnoException).code ?? (error as Error).message;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function main(): Promise<void> {
  const started = Date.now();
  let lastLog = 0;
  for (;;) {
    const result = await probe();
    if (result === 'up') {
      console.log(`PostgreSQL at ${host}:${port} accepts connections (after ${Math.round((Date.now() - started) / 1000)} s)`);
      return;
    }
    if (Date.now() - lastLog >= 10_000) {
      console.log(`waiting for PostgreSQL at ${host}:${port}: ${result}`);
      lastLog = Date.now();
    }
    await sleep(intervalMs);
  }
}

void main();
