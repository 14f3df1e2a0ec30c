/**
 * Reconciliation of the ledgers of a run: what the clients were told, what the database
 * committed, what the topic carries, and (where the consumer runs) what the read model
 * applied (read-model.ts). Pure: reading the ledgers (and their shapes) is in ledgers.ts,
 * re-exported here; the report is in report.ts.
 */
import type { DatabaseLedger, OutboxRow, ReadModelLedger, TopicRecord } from './ledgers';
import { ClientWrite, LoadLedger } from './load';
import { ReadModelReconciliation, readModelFailures, reconcileReadModel } from './read-model';

export { drainTopic, readDatabase, readReadModel, waitForConsumer } from './ledgers';
export type { DatabaseLedger, OutboxRow, TopicRecord } from './ledgers';

export interface Reconciliation {
  requests: number;
  acknowledged: number;
  unknown: number;
  unknownCommitted: number;
  unknownNotCommitted: number;
  invalidSent: number;
  invalidRejected: number;
  /** Invalid requests that got no answer (checked for rows like the others). */
  invalidUnanswered: number;
  /** Valid requests the service answered with a 4xx. */
  wronglyRejected: number;
  /** Invalid requests the service accepted, or that left a row behind. */
  invalidWritten: number;
  /** Acknowledged writes with no commit in the outbox. */
  acknowledgedNotCommitted: number;
  /** Outbox rows no client write explains (or an add committed twice). */
  unexplainedCommits: number;
  /** Books whose presence in `books` disagrees with their committed add/delete events. */
  booksMismatched: number;
  eventsExpected: number;
  eventsFound: number;
  missing: number;
  unexpected: number;
  duplicates: number;
  /** Records whose key, type header or value differ from the outbox row of their event id. */
  contentMismatches: number;
  orderViolations: number;
  /** The fourth ledger, when the run had the book-catalog consumer. */
  readModel?: ReadModelReconciliation;
  /** Human-readable examples of every problem found (a few per kind). */
  problems: string[];
}

/** The ledgers side by side. Pure: the unit tests feed it made-up ledgers. */
export function reconcile(client: LoadLedger, database: DatabaseLedger, topic: TopicRecord[], readModel?: ReadModelLedger): Reconciliation {
  const problems: string[] = [];
  const note = (kind: string, detail: string) => {
    if (problems.filter((p) => p.startsWith(kind)).length < 5) problems.push(`${kind}: ${detail}`);
  };

  const addsByTitle = new Map<string, OutboxRow[]>();
  const deletesByBook = new Map<string, OutboxRow[]>();
  for (const row of database.outbox) {
    if (row.type === 'BookAdded') addsByTitle.set(row.payload.title, [...(addsByTitle.get(row.payload.title) ?? []), row]);
    else deletesByBook.set(row.aggregateid, [...(deletesByBook.get(row.aggregateid) ?? []), row]);
  }

  // 1. Client ledger against the database: acknowledged writes must be there; unknown ones are looked up.
  const explained = new Set<string>();
  const committedAdds = new Set<number>();
  const committedDeletes = new Set<number>();
  let acknowledged = 0, unknown = 0, unknownCommitted = 0, acknowledgedNotCommitted = 0;
  const commitOf = (w: ClientWrite): OutboxRow[] => {
    if (w.type === 'BookAdded') return (addsByTitle.get(w.title!) ?? []).filter((r) => w.bookId === undefined || r.payload.id === w.bookId);
    return deletesByBook.get(String(w.bookId)) ?? [];
  };
  for (const w of client.writes) {
    const rows = commitOf(w);
    if (w.outcome === 'acknowledged') acknowledged++;
    else unknown++;
    if (rows.length > 1) note('committed twice', `${w.type} ${w.title ?? w.bookId}: outbox rows ${rows.map((r) => r.id).join(', ')}`);
    if (rows.length === 0) {
      if (w.outcome === 'acknowledged') {
        acknowledgedNotCommitted++;
        note('acknowledged, not committed', `${w.type} ${w.title ?? ''} book ${w.bookId}`);
      }
      continue;
    }
    if (w.outcome === 'unknown') unknownCommitted++;
    const row = rows[0];
    explained.add(row.id);
    (w.type === 'BookAdded' ? committedAdds : committedDeletes).add(Number(row.aggregateid));
  }
  const unexplained = database.outbox.filter((r) => !explained.has(r.id));
  for (const r of unexplained) note('unexplained commit', `${r.type} ${r.id} book ${r.aggregateid} "${r.payload.title}"`);

  // Invalid requests: rejected with a 4xx and nothing written.
  let invalidRejected = 0, invalidWritten = 0;
  for (const i of client.invalid) {
    if (i.outcome === 'rejected') invalidRejected++;
    const written = database.outbox.filter((r) =>
      (i.marker && (r.payload.title === i.marker || r.payload.author === i.marker)) || (i.bookId !== undefined && r.aggregateid === String(i.bookId)));
    if (i.outcome === 'wrongly-accepted' || written.length) {
      invalidWritten++;
      note('invalid request accepted', `${i.kind} -> ${i.status ?? 'no answer'}, ${written.length} outbox rows`);
    }
  }
  for (const w of client.wronglyRejected) note('valid request rejected', w);

  // The books table agrees with the committed events.
  const inBooks = new Set(database.books);
  let booksMismatched = 0;
  for (const id of committedAdds) {
    if (inBooks.has(id) === committedDeletes.has(id)) {
      booksMismatched++;
      note('books table', `book ${id}: added${committedDeletes.has(id) ? ' and deleted' : ''}, ${inBooks.has(id) ? 'present' : 'absent'}`);
    }
  }
  for (const id of inBooks) {
    if (!committedAdds.has(id)) {
      booksMismatched++;
      note('books table', `book ${id} present with no committed add`);
    }
  }

  // 2. Database against the topic.
  const byId = new Map(database.outbox.map((r) => [r.id, r]));
  const copies = new Map<string, TopicRecord[]>();
  const ordered = [...topic].sort((a, b) => a.partition - b.partition || a.offset - b.offset);
  for (const r of ordered) copies.set(r.headers.id, [...(copies.get(r.headers.id) ?? []), r]);
  const found = database.outbox.filter((r) => copies.has(r.id)).length;
  for (const r of database.outbox.filter((row) => !copies.has(row.id))) note('missing', `${r.type} ${r.id} of book ${r.aggregateid}`);
  const unexpectedIds = [...copies.keys()].filter((id) => !byId.has(id));
  for (const id of unexpectedIds) note('unexpected', `event ${id} (key ${copies.get(id)![0].key}) has no committed outbox row`);
  const duplicates = [...copies.values()].reduce((n, c) => n + c.length - 1, 0);

  let contentMismatches = 0;
  for (const r of ordered) {
    const row = byId.get(r.headers.id);
    if (!row) continue;
    if (r.key !== row.aggregateid || r.headers.type !== row.type || JSON.stringify(r.value) !== JSON.stringify(row.payload)) {
      contentMismatches++;
      note('content', `event ${row.id}: key ${r.key}, type ${r.headers.type}, value ${JSON.stringify(r.value)}`);
    }
  }

  // Per book, first deliveries follow commit order (the add before the delete), all on one partition.
  let orderViolations = 0;
  const firstByBook = new Map<string, TopicRecord[]>();
  for (const r of ordered) {
    if (!byId.has(r.headers.id) || copies.get(r.headers.id)![0] !== r) continue;
    const key = byId.get(r.headers.id)!.aggregateid;
    firstByBook.set(key, [...(firstByBook.get(key) ?? []), r]);
  }
  for (const [book, records] of firstByBook) {
    const types = records.map((r) => r.headers.type).join(',');
    const partitions = new Set(records.flatMap((r) => copies.get(r.headers.id)!).map((r) => r.partition));
    if (!['BookAdded', 'BookAdded,BookDeleted'].includes(types) || partitions.size > 1) {
      orderViolations++;
      note('order', `book ${book}: ${types} on partitions ${[...partitions].join(',')}`);
    }
  }

  const readModelResult = readModel && reconcileReadModel(database, readModel, note);

  return {
    requests: client.requests,
    acknowledged,
    unknown,
    unknownCommitted,
    unknownNotCommitted: unknown - unknownCommitted,
    invalidSent: client.invalid.length,
    invalidRejected,
    invalidUnanswered: client.invalid.filter((i) => i.outcome === 'unknown').length,
    wronglyRejected: client.wronglyRejected.length,
    invalidWritten,
    acknowledgedNotCommitted,
    unexplainedCommits: unexplained.length + problems.filter((p) => p.startsWith('committed twice')).length,
    booksMismatched,
    eventsExpected: database.outbox.length,
    eventsFound: found,
    missing: database.outbox.length - found,
    unexpected: unexpectedIds.length,
    duplicates,
    contentMismatches,
    orderViolations,
    ...(readModelResult && { readModel: readModelResult }),
    problems,
  };
}

/**
 * Only this run's rows and records (their titles and authors carry the run id), for a
 * database and topic that other writers share, such as a deployed cluster.
 */
export function scopeToRun(database: DatabaseLedger, topic: TopicRecord[], runId: string): { database: DatabaseLedger; topic: TopicRecord[] } {
  const ours = (p: { title?: string; author?: string } | undefined) => !!p && [p.title, p.author].some((t) => t?.includes(runId));
  const outbox = database.outbox.filter((r) => ours(r.payload));
  const ids = new Set(outbox.map((r) => r.id));
  const books = new Set(outbox.filter((r) => r.type === 'BookAdded').map((r) => r.payload.id));
  return {
    database: { outbox, books: database.books.filter((id) => books.has(id)) },
    topic: topic.filter((r) => ids.has(r.headers.id) || ours(r.value as { title?: string })),
  };
}

/** Whether the run proves the guarantee: nothing lost, nothing invented, order kept, ledgers agree. */
export function failures(r: Reconciliation): string[] {
  const bad: Array<[string, number]> = [
    ['missing events', r.missing],
    ['unexpected events', r.unexpected],
    ['per-book order violations', r.orderViolations],
    ['records differing from their outbox row', r.contentMismatches],
    ['acknowledged writes not committed', r.acknowledgedNotCommitted],
    ['commits no client write explains', r.unexplainedCommits],
    ['books table mismatches', r.booksMismatched],
    ['invalid requests that wrote or were accepted', r.invalidWritten],
    ['valid requests rejected', r.wronglyRejected],
    ...(r.readModel ? readModelFailures(r.readModel) : []),
  ];
  return bad.filter(([, n]) => n > 0).map(([what, n]) => `${n} ${what}`);
}
