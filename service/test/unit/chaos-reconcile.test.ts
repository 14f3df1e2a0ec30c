import { LoadLedger } from '../../../tools/chaos/load';
import { DatabaseLedger, failures, OutboxRow, reconcile, scopeToRun, TopicRecord } from '../../../tools/chaos/reconcile';

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
