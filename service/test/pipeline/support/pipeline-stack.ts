import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import type { Book, NewBook } from '../../../src/contract/book-schema';
import { OutboxRow, readOutbox, withClient } from '../../../../tools/stack/database';
import { Stack, StackOptions, startStack } from '../../../../tools/stack/stack';
import type { TopicRecord } from '../../../../tools/stack/topic-reader';

const LOCK = join(tmpdir(), 'book-pipeline-stack.lock');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function lockAgeMs(): number {
  try {
    return Date.now() - statSync(LOCK).mtimeMs;
  } catch {
    return 0;
  }
}

/**
 * One pipeline stack at a time on this machine, whatever jest's worker count: two stacks
 * on two cores starve each other, and the tests assert on whole-topic contents.
 */
async function acquireStackLock(): Promise<() => void> {
  for (;;) {
    try {
      mkdirSync(LOCK);
      writeFileSync(join(LOCK, 'pid'), String(process.pid));
      return () => rmSync(LOCK, { recursive: true, force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      let holder = 0;
      try {
        holder = Number(readFileSync(join(LOCK, 'pid'), 'utf8'));
      } catch {
        // the holder has not written its pid yet
      }
      const stale = holder ? !alive(holder) : lockAgeMs() > 10_000;
      if (stale) rmSync(LOCK, { recursive: true, force: true });
      else await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/**
 * For beforeAll: waiting for another test file's stack (the lock) counts as start-up.
 * One jest worker (2 cores) never waits; concurrent jest runs on one machine do.
 */
export const STACK_START_TIMEOUT_MS = 30 * 60_000;

/** A whole local stack (PostgreSQL, Kafka, Connect + connector, service) for one test file. */
export async function startPipelineStack(options: Pick<StackOptions, 'serviceEnv' | 'consumerEnv'> = {}): Promise<Stack> {
  const release = await acquireStackLock();
  const started = Date.now();
  try {
    const stack = await startStack({ ...options, log: (line) => process.env.PIPELINE_VERBOSE && console.log(line) });
    console.log(`pipeline stack up in ${Date.now() - started} ms (PostgreSQL ${stack.mode.postgres}, Kafka and Connect ${stack.mode.kafka}): Kafka ${stack.kafka.bootstrap}, Connect ${stack.connect.url}, service ${stack.service!.url}, consumer ${stack.consumer?.url}`);
    return { ...stack, stop: () => stack.stop().finally(release) };
  } catch (error) {
    release();
    throw error;
  }
}

export interface PipelineFixture {
  /** Set when the file's tests run (after the fixture's beforeAll). */
  stack: Stack;
  /** A superuser client on the stack's database. */
  db: Client;
  /** Stops `resource` after the file's tests, before the database client and the stack. */
  track<T extends { stop(): Promise<unknown> }>(resource: T): T;
}

/**
 * The stack of one test file and a superuser client on its database: started in a beforeAll
 * (waiting for the machine-wide lock counts as start-up), stopped in an afterAll together with
 * whatever the file tracked (topic readers).
 */
export function usePipelineStack(options: Pick<StackOptions, 'serviceEnv' | 'consumerEnv'> & { testTimeoutMs?: number } = {}): PipelineFixture {
  // Jest's testTimeout is global (package.json); a pipeline test drives a whole stack.
  jest.setTimeout(options.testTimeoutMs ?? 300_000);
  const tracked: Array<{ stop(): Promise<unknown> }> = [];
  const fixture = {
    track<T extends { stop(): Promise<unknown> }>(resource: T): T {
      tracked.push(resource);
      return resource;
    },
  } as PipelineFixture;
  beforeAll(async () => {
    fixture.stack = await startPipelineStack({ serviceEnv: options.serviceEnv, consumerEnv: options.consumerEnv });
    fixture.db = new Client({ connectionString: fixture.stack.database.adminUrl });
    // A PostgreSQL restart (the chaos run's fault) ends this connection while it idles: not a test failure.
    fixture.db.on('error', () => undefined);
    await fixture.db.connect();
  }, STACK_START_TIMEOUT_MS);
  afterAll(async () => {
    for (const resource of tracked.reverse()) await resource.stop().catch(() => undefined);
    await fixture.db?.end();
    await fixture.stack?.stop();
  });
  return fixture;
}

export type { Book };

export async function postBook(serviceUrl: string, book: NewBook | Record<string, unknown>): Promise<Response> {
  return fetch(`${serviceUrl}/books`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(book),
  });
}

export async function deleteBook(serviceUrl: string, id: number): Promise<Response> {
  return fetch(`${serviceUrl}/books/${id}`, { method: 'DELETE' });
}

/** Every outbox row: the committed events, which the topic must carry. */
export function outboxRows(adminUrl: string): Promise<OutboxRow[]> {
  return withClient(adminUrl, readOutbox);
}

/** Each record carries exactly its committed outbox row: key, type header and value. */
export function expectRecordsMatchRows(records: TopicRecord[], rowsById: Map<string, OutboxRow>): void {
  for (const record of records) {
    const row = rowsById.get(record.headers.id)!;
    expect({ key: record.key, type: record.headers.type, value: record.value }).toEqual({ key: row.aggregateid, type: row.type, value: row.payload });
  }
}
