import { Stack } from '../../../tools/stack/stack';
import { TopicReader, TopicRecord } from '../../../tools/stack/topic-reader';
import { Book, deleteBook, expectRecordsMatchRows, outboxRows, postBook, usePipelineStack } from './support/pipeline-stack';

const fixture = usePipelineStack();
let stack: Stack;
let reader: TopicReader;
beforeAll(async () => {
  ({ stack } = fixture);
  reader = fixture.track(await new TopicReader(stack.kafka.bootstrap, stack.topic).start());
});

const CLIENTS = 25;
const CYCLES = 10; // each cycle commits one add and one delete: 25 × 10 × 2 = 500 writes

/** One client: add a book, send a rejected request, delete the book twice at once (one 204, one 404). */
async function client(url: string, n: number, rejected: { count: number }): Promise<number> {
  let committed = 0;
  for (let cycle = 0; cycle < CYCLES; cycle++) {
    const added = await postBook(url, { title: `Book ${n}.${cycle}`, author: `Author ${n}`, price: Number((n + 1 + cycle / 100).toFixed(2)) });
    expect(added.status).toBe(201);
    const book = (await added.json()) as Book;
    committed++;
    const invalid = await postBook(url, { title: `Book ${n}.${cycle}`, author: '', price: 0.001 });
    expect(invalid.status).toBeGreaterThanOrEqual(400);
    expect(invalid.status).toBeLessThan(500);
    rejected.count++;
    const statuses = (await Promise.all([deleteBook(url, book.id), deleteBook(url, book.id)])).map((r) => r.status).sort();
    expect(statuses).toEqual([204, 404]);
    committed++;
    rejected.count++;
  }
  return committed;
}

describe('500 writes over 25 concurrent clients', () => {
  it('every committed change appears once, per-book order is commit order, rejected requests leave nothing', async () => {
    const rejected = { count: 0 };
    const committed = (await Promise.all(Array.from({ length: CLIENTS }, (_, n) => client(stack.service!.url, n + 1, rejected)))).reduce((a, b) => a + b, 0);
    expect(committed).toBe(500);
    expect(rejected.count).toBe(500);

    const rows = await outboxRows(stack.database.adminUrl);
    expect(rows).toHaveLength(500);
    const wanted = new Set(rows.map((r) => r.id));
    await reader.waitUntil('all 500 events', (records) => new Set(records.map((r) => r.headers.id).filter((id) => wanted.has(id))).size === 500);

    const byId = new Map(rows.map((r) => [r.id, r]));
    // Nothing but the committed events: no record for a rejected request, no duplicate without a crash.
    expect(reader.records.filter((r) => !byId.has(r.headers.id))).toEqual([]);
    expect(reader.records).toHaveLength(500);
    expectRecordsMatchRows(reader.records, byId);

    const perBook = new Map<string, TopicRecord[]>();
    for (const r of [...reader.records].sort((a, b) => a.partition - b.partition || a.offset - b.offset)) {
      perBook.set(r.key!, [...(perBook.get(r.key!) ?? []), r]);
    }
    expect(perBook.size).toBe(250);
    for (const [key, records] of perBook) {
      // A book's delete commits after its add; one partition per book keeps that order.
      expect({ key, types: records.map((r) => r.headers.type) }).toEqual({ key, types: ['BookAdded', 'BookDeleted'] });
      expect(new Set(records.map((r) => r.partition)).size).toBe(1);
    }
    expect(new Set(reader.records.map((r) => r.partition)).size).toBe(3);
  });
});
