import { LoadLedger } from '../chaos/load';
import type { DatabaseLedger, OutboxRow, ReadModelLedger, TopicRecord } from '../chaos/ledgers';
import { failures, reconcile, scopeToRun } from '../chaos/reconcile';
import { formatReconciliation } from '../chaos/report';

// The reconciliation must be able to fail: each defect it exists to catch, made up here, is caught.
const book = (id: number, title: string) => ({ id, title, author: 'a', price: 1.5 });
const row = (id: string, bookId: number, type: OutboxRow['type'], title: string): OutboxRow =>
  ({ id, aggregateid: String(bookId), type, payload: book(bookId, title) });
const record = (r: OutboxRow, partition: number, offset: number): TopicRecord =>
  ({ key: r.aggregateid, partition, offset, headers: { id: r.id, type: r.type }, value: r.payload });

function healthy(): { client: LoadLedger; database: DatabaseLedger; topic: TopicRecord[]; rows: OutboxRow[] } {
  const rows = [
    row('e1', 1, 'BookAdded', 't1'),
    row('e2', 2, 'BookAdded', 't2'),
    row('e3', 1, 'BookDeleted', 't1'),
    row('e4', 3, 'BookAdded', 't3'), // its response was lost: unknown, committed
  ];
  const client: LoadLedger = {
    requests: 7,
    writes: [
      { type: 'BookAdded', title: 't1', bookId: 1, outcome: 'acknowledged' },
      { type: 'BookAdded', title: 't2', bookId: 2, outcome: 'acknowledged' },
      { type: 'BookDeleted', bookId: 1, outcome: 'acknowledged' },
      { type: 'BookAdded', title: 't3', outcome: 'unknown', detail: 'ECONNRESET' },
      { type: 'BookAdded', title: 't4', outcome: 'unknown', detail: 'HTTP 503' }, // never committed
      { type: 'BookDeleted', bookId: 2, outcome: 'unknown', detail: 'ECONNREFUSED' }, // never committed
    ],
    invalid: [{ kind: 'empty title', marker: 'invalid x', status: 422, outcome: 'rejected' }],
    wronglyRejected: [],
  };
  const topic = [record(rows[0], 0, 0), record(rows[2], 0, 1), record(rows[1], 1, 0), record(rows[3], 2, 0)];
  return { client, database: { outbox: rows, books: [2, 3] }, topic, rows };
}

describe('reconcile', () => {
  it('passes a healthy run and resolves unknown outcomes from the outbox', () => {
    const { client, database, topic } = healthy();
    const r = reconcile(client, database, topic);
    expect(failures(r)).toEqual([]);
    expect(r).toMatchObject({ acknowledged: 3, unknown: 3, unknownCommitted: 1, unknownNotCommitted: 2, eventsExpected: 4, eventsFound: 4, duplicates: 0 });
  });

  it('allows duplicates (at-least-once) but counts them, also when replayed after a later event', () => {
    const { client, database, topic, rows } = healthy();
    const r = reconcile(client, database, [...topic, record(rows[0], 0, 2)]);
    expect(failures(r)).toEqual([]);
    expect(r.duplicates).toBe(1);
  });

  it('catches a missing event', () => {
    const { client, database, topic } = healthy();
    const r = reconcile(client, database, topic.filter((t) => t.headers.id !== 'e2'));
    expect(r.missing).toBe(1);
    expect(failures(r)).toEqual(['1 missing events']);
  });

  it('catches an event for a change that did not commit', () => {
    const { client, database, topic } = healthy();
    const ghost = record(row('e9', 4, 'BookAdded', 't4'), 1, 1);
    expect(reconcile(client, database, [...topic, ghost]).unexpected).toBe(1);
  });

  it('catches a delete delivered before its add, and a book split over partitions', () => {
    const { client, database, rows } = healthy();
    const swapped = [record(rows[2], 0, 0), record(rows[0], 0, 1), record(rows[1], 1, 0), record(rows[3], 2, 0)];
    expect(reconcile(client, database, swapped).orderViolations).toBe(1);
    const split = [record(rows[0], 0, 0), record(rows[2], 1, 1), record(rows[1], 1, 0), record(rows[3], 2, 0)];
    expect(reconcile(client, database, split).orderViolations).toBe(1);
  });

  it('catches a record whose value differs from its outbox row', () => {
    const { client, database, topic } = healthy();
    topic[2] = { ...topic[2], value: book(2, 'changed') };
    expect(reconcile(client, database, topic).contentMismatches).toBe(1);
  });

  it('catches an acknowledged write the database does not hold, a commit nobody made, and a stale books table', () => {
    const { client, database, topic } = healthy();
    const lost = reconcile(client, { ...database, outbox: database.outbox.filter((r) => r.id !== 'e3') }, topic);
    expect(lost.acknowledgedNotCommitted).toBe(1);
    expect(lost.booksMismatched).toBe(1); // book 1 is absent though its delete did not commit

    const phantom = row('e5', 5, 'BookAdded', 'invalid x');
    const invented = reconcile(client, { outbox: [...database.outbox, phantom], books: [2, 3, 5] }, [...topic, record(phantom, 2, 1)]);
    expect(invented.unexplainedCommits).toBe(1);
    expect(invented.invalidWritten).toBe(1);
    expect(invented.booksMismatched).toBe(1);
  });
});

describe('reconcile with the read model', () => {
  // After the healthy run: books 2 and 3 (author a, 1.50 each); e1..e4 applied once.
  const readModel = (): ReadModelLedger => {
    const rows = [{ id: 2, title: 't2', author: 'a', price: '1.50' }, { id: 3, title: 't3', author: 'a', price: '1.50' }];
    return { books: rows, catalogBooks: rows.map((r) => ({ ...r })), authorStats: [{ author: 'a', books: 2, totalPrice: '3.00' }], inbox: ['e1', 'e2', 'e3', 'e4'] };
  };

  it('passes a read model that applied every committed change once, and reports it', () => {
    const { client, database, topic } = healthy();
    const r = reconcile(client, database, topic, readModel());
    expect(failures(r)).toEqual([]);
    expect(r.readModel).toEqual({ eventsApplied: 4, readModelMissing: 0, readModelUnexplained: 0, doubleApplied: 0, catalogMismatched: 0, statsMismatched: 0 });
    expect(formatReconciliation(r)).toContain('read model: 4 events applied, 0 missing, 0 unexplained, 0 double-applied, catalog_books matches books, author stats match');
  });

  it('leaves the read model out where there is none (soak, cluster runs)', () => {
    const { client, database, topic } = healthy();
    const r = reconcile(client, database, topic);
    expect(r.readModel).toBeUndefined();
    expect(formatReconciliation(r)).not.toContain('read model');
  });

  it('catches a committed change the read model never applied, and one it applied with no commit', () => {
    const { client, database, topic } = healthy();
    const m = readModel();
    m.inbox = ['e1', 'e2', 'e3', 'e9'];
    m.catalogBooks.pop(); // e4, the add of book 3, never applied
    m.authorStats = [{ author: 'a', books: 1, totalPrice: '1.50' }];
    const r = reconcile(client, database, topic, m);
    expect(r.readModel).toMatchObject({ eventsApplied: 3, readModelMissing: 1, readModelUnexplained: 1, catalogMismatched: 1, statsMismatched: 1 });
    expect(failures(r)).toEqual([
      '1 committed events not in the read model', '1 read-model events with no commit',
      '1 catalog_books rows differing from books', '1 author_stats rows differing from books',
    ]);
  });

  it('fails a projection without the inbox check: a redelivered add after its delete brings the book back and counts it twice', () => {
    const { client, database, topic, rows } = healthy();
    // e1 (add book 1) redelivered after e3 (its delete), e.g. an offset commit lost to a SIGKILL.
    const redelivered = [...topic, record(rows[0], 0, 2)];
    const m = readModel();
    m.catalogBooks.push({ id: 1, title: 't1', author: 'a', price: '1.50' });
    m.authorStats = [{ author: 'a', books: 3, totalPrice: '4.50' }];
    m.inbox = [...m.inbox, 'e1']; // an inbox without its primary key would hold the id twice
    const r = reconcile(client, database, redelivered, m);
    expect(r.readModel).toMatchObject({ doubleApplied: 1, catalogMismatched: 1, statsMismatched: 1 });
    expect(failures(r)).toEqual([
      '1 events applied twice to the read model', '1 catalog_books rows differing from books', '1 author_stats rows differing from books',
    ]);
    expect(formatReconciliation(r)).toContain('1 double-applied, 1 catalog_books mismatches, 1 author stats mismatches');
  });

  it('catches a catalog row whose content differs, and stats whose total alone differs, comparing prices exactly', () => {
    const { client, database, topic } = healthy();
    const m = readModel();
    m.catalogBooks[0] = { ...m.catalogBooks[0], price: '1.5' }; // the same price written differently: equal
    m.catalogBooks[1] = { ...m.catalogBooks[1], title: 'other' };
    m.authorStats = [{ author: 'a', books: 2, totalPrice: '3.01' }, { author: 'gone', books: 0, totalPrice: '0.00' }];
    const r = reconcile(client, database, topic, m);
    expect(r.readModel).toMatchObject({ catalogMismatched: 1, statsMismatched: 1 });
  });
});

describe('scopeToRun', () => {
  it("keeps this run's rows and records, so a shared database and topic reconcile, and still sees this run's defects", () => {
    const ours = (id: string, bookId: number, type: OutboxRow['type']) => row(id, bookId, type, `chaos run-7:0:${bookId}`);
    const rows = [ours('e1', 1, 'BookAdded'), ours('e2', 1, 'BookDeleted'), ours('e3', 2, 'BookAdded'), row('x1', 9, 'BookAdded', 'e2e other writer')];
    const stray = record(ours('e9', 5, 'BookAdded'), 0, 7); // on the topic with no commit: must stay in scope
    const topic = [record(rows[0], 0, 0), record(rows[1], 0, 1), record(rows[3], 0, 2), stray];
    const { database, topic: scoped } = scopeToRun({ outbox: rows, books: [2, 9] }, topic, 'run-7');
    expect(database.outbox.map((r) => r.id)).toEqual(['e1', 'e2', 'e3']);
    expect(database.books).toEqual([2]);
    expect(scoped.map((r) => r.headers.id)).toEqual(['e1', 'e2', 'e9']);

    const client: LoadLedger = {
      requests: 3,
      writes: [
        { type: 'BookAdded', title: 'chaos run-7:0:1', bookId: 1, outcome: 'acknowledged' },
        { type: 'BookDeleted', bookId: 1, outcome: 'acknowledged' },
        { type: 'BookAdded', title: 'chaos run-7:0:2', bookId: 2, outcome: 'acknowledged' },
      ],
      invalid: [],
      wronglyRejected: [],
    };
    const r = reconcile(client, database, scoped);
    expect(r).toMatchObject({ missing: 1, unexpected: 1, unexplainedCommits: 0 });
  });
});
