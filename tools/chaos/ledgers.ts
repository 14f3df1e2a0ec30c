import { Kafka, logLevel } from 'kafkajs';
import { readConsumerLag } from '../../service/src/consumer/metrics';
import type { BookRow } from '../../service/src/contract/book-events';
import type { Book } from '../../service/src/contract/book-schema';
import { readOutbox, withClient, type OutboxRow as StoredRow } from '../stack/database';
import { pollUntil } from '../stack/processes';
import { TopicReader, type TopicRecord as ReadRecord } from '../stack/topic-reader';
import type { EventType } from './load';

/** The database's ledger: the outbox is the commit log (rows are kept for OUTBOX_RETENTION_SECONDS), books the state. */
export type OutboxRow = StoredRow<EventType, Book>;

export interface DatabaseLedger {
  outbox: OutboxRow[];
  /** Ids of the rows in books. */
  books: number[];
}

/** What reconciliation looks at in a topic record (stack/topic-reader.ts reads whole ones). */
export type TopicRecord = Pick<ReadRecord, 'key' | 'partition' | 'offset' | 'headers' | 'value'>;

/** A book as either database holds it (books, catalog_books). */
export type { BookRow };

export interface AuthorStatsRow {
  author: string;
  books: number;
  /** numeric text */
  totalPrice: string;
}

/** The read model's tables, and the books table in full to compare them with. */
export interface ReadModelLedger {
  books: BookRow[];
  catalogBooks: BookRow[];
  authorStats: AuthorStatsRow[];
  /** The event id of every inbox row (a list, not a set: an id held twice must show). */
  inbox: string[];
}

/** The database's ledger: every outbox row (the commit log) and the ids in books (the state). */
export async function readDatabase(adminUrl: string): Promise<DatabaseLedger> {
  return withClient(adminUrl, async (db) => {
    const outbox = await readOutbox<OutboxRow['type'], OutboxRow['payload']>(db);
    const books = (await db.query('SELECT id FROM books')).rows.map((r) => Number(r.id));
    return { outbox, books };
  });
}

/**
 * Reads the whole topic: until every id in `expected` has been seen (or `timeoutMs`
 * passed), and then up to the partitions' end offsets at that moment, so that anything
 * unexpected already on the topic is read too.
 */
export async function drainTopic(bootstrap: string, topic: string, expected: Set<string>, timeoutMs: number,
  log: (line: string) => void = () => undefined): Promise<TopicRecord[]> {
  const seen = new Set<string>();
  const reader = new TopicReader(bootstrap, topic, { clientId: 'chaos-reconcile', maxWaitTimeInMs: 200, onRecord: (r) => r.headers.id && seen.add(r.headers.id) });
  await reader.start();
  try {
    const missing = () => [...expected].filter((id) => !seen.has(id)).length;
    let lastLog = Date.now();
    await pollUntil(timeoutMs, () => missing() === 0, {
      intervalMs: 250,
      onPoll: () => {
        if (Date.now() - lastLog < 15_000) return;
        log(`draining ${topic}: ${reader.records.length} records read, ${missing()} of ${expected.size} expected events not seen yet`);
        lastLog = Date.now();
      },
    });
    await reader.readToEnd(60_000);
  } finally {
    await reader.stop();
  }
  return reader.records;
}

/**
 * Until the consumer group has committed every partition up to its end offset (lag 0; offsets
 * are committed after the read-model transaction), or `timeoutMs` passed; the lag left then.
 * Call it once the topic holds everything (after drainTopic).
 */
export async function waitForConsumer(bootstrap: string, topic: string, groupId: string, timeoutMs: number,
  log: (line: string) => void = () => undefined): Promise<number> {
  const admin = new Kafka({ clientId: 'chaos-reconcile', brokers: [bootstrap], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    let lag = NaN;
    let lastLog = Date.now();
    await pollUntil(timeoutMs, async () => {
      lag = [...(await readConsumerLag(admin, topic, groupId)).values()].reduce((a, b) => a + b, 0);
      return lag === 0;
    }, {
      intervalMs: 250,
      onPoll: () => {
        if (Date.now() - lastLog < 15_000) return;
        log(`waiting for consumer group ${groupId}: ${lag} records of ${topic} not committed yet`);
        lastLog = Date.now();
      },
    });
    return lag;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

const BOOKS = 'SELECT id, title, author, price::text AS price FROM';

/** The read model (catalog database) and, to compare it with, the books table in full (books database). */
export async function readReadModel(booksAdminUrl: string, catalogAdminUrl: string): Promise<ReadModelLedger> {
  const books = await withClient(booksAdminUrl, async (db) => (await db.query<BookRow>(`${BOOKS} books`)).rows);
  return withClient(catalogAdminUrl, async (db) => ({
    books,
    catalogBooks: (await db.query<BookRow>(`${BOOKS} catalog_books`)).rows,
    authorStats: (await db.query<AuthorStatsRow>('SELECT author, books, total_price::text AS "totalPrice" FROM author_stats')).rows,
    inbox: (await db.query<{ id: string }>('SELECT event_id::text AS id FROM inbox')).rows.map((r) => r.id),
  }));
}
