import { Client } from 'pg';
import { Stack } from '../../../tools/stack/stack';
import { asyncApiErrors, loadAsyncApi } from './support/asyncapi';
import { TopicReader, TopicRecord } from '../../../tools/stack/topic-reader';
import { Book, deleteBook, postBook, usePipelineStack } from './support/pipeline-stack';

const fixture = usePipelineStack();
let stack: Stack;
let db: Client;
let reader: TopicReader;
beforeAll(async () => {
  ({ stack, db } = fixture);
  reader = fixture.track(await new TopicReader(stack.kafka.bootstrap, stack.topic).start());
});

const recordsOf = (id: number) => (records: TopicRecord[]) => records.filter((r) => r.key === String(id));

async function outboxIds(id: number): Promise<Array<{ id: string; type: string; occurredAtMs: string }>> {
  // occurred_at is UTC without time zone: its epoch is the instant Debezium puts on the record.
  const { rows } = await db.query(
    `SELECT id::text, type, floor(extract(epoch FROM occurred_at) * 1000)::bigint::text AS "occurredAtMs"
       FROM outbox WHERE aggregateid = $1 ORDER BY occurred_at`,
    [String(id)],
  );
  return rows;
}

describe('books.events through the real Debezium outbox connector', () => {
  let book: Book;

  it('POST /books yields one BookAdded record: key = book id, header id = outbox row id, value = the book', async () => {
    const response = await postBook(stack.service!.url, { title: 'Miro', author: 'Roqq', price: 100.0 });
    expect(response.status).toBe(201);
    book = (await response.json()) as Book;
    const [row] = await outboxIds(book.id);
    expect(row.type).toBe('BookAdded');

    await reader.waitUntil(`the BookAdded record of book ${book.id}`, (all) => recordsOf(book.id)(all).length >= 1);
    const [record] = recordsOf(book.id)(reader.records);
    expect(record.headers).toEqual({ id: row.id, type: 'BookAdded' });
    expect(record.value).toEqual({ id: book.id, title: 'Miro', author: 'Roqq', price: 100 });
    expect(record.raw).not.toMatch(/"schema"|"payload"/); // plain JSON, no Connect envelope
    expect(record.timestamp).toBe(Number(row.occurredAtMs));
  });

  it('DELETE /books/{id} yields BookDeleted with the last state, after the BookAdded on the same partition', async () => {
    const response = await deleteBook(stack.service!.url, book.id);
    expect(response.status).toBe(204);
    const rows = await outboxIds(book.id);
    expect(rows.map((r) => r.type)).toEqual(['BookAdded', 'BookDeleted']);

    await reader.waitUntil(`the BookDeleted record of book ${book.id}`, (all) => recordsOf(book.id)(all).some((r) => r.headers.type === 'BookDeleted'));
    const records = recordsOf(book.id)(reader.records);
    // Exactly one of each: a duplicate BookAdded would sit before the BookDeleted on the same partition.
    expect(records.map((r) => r.headers)).toEqual(rows.map((r) => ({ id: r.id, type: r.type })));
    expect(records.map((r) => r.timestamp)).toEqual(rows.map((r) => Number(r.occurredAtMs)));
    expect(records[1].partition).toBe(records[0].partition);
    expect(records[1].offset).toBeGreaterThan(records[0].offset);
    expect(records[1].value).toEqual(records[0].value);
  });

  it('a rejected request and a DELETE of an absent book write no event', async () => {
    const before = (await db.query('SELECT count(*)::int AS n FROM outbox')).rows[0].n;
    expect((await postBook(stack.service!.url, { title: '', author: 'Roqq', price: -1 })).status).toBeGreaterThanOrEqual(400);
    expect((await deleteBook(stack.service!.url, book.id)).status).toBe(404);
    expect((await db.query('SELECT count(*)::int AS n FROM outbox')).rows[0].n).toBe(before);

    // A later event arrives; nothing from the rejected requests arrived before it.
    const sentinel = (await (await postBook(stack.service!.url, { title: 'Sentinel', author: 'S', price: 1.5 })).json()) as Book;
    await reader.waitUntil('the sentinel event', (all) => recordsOf(sentinel.id)(all).length === 1);
    expect(reader.records.filter((r) => r.key === String(book.id))).toHaveLength(2);
    const ids = new Set((await db.query('SELECT id::text FROM outbox')).rows.map((r) => r.id));
    expect(reader.records.filter((r) => !ids.has(r.headers.id))).toEqual([]);
  });

  it('every record read conforms to docs/asyncapi.yaml, and the document rejects a wrong one', () => {
    const api = loadAsyncApi();
    expect(api.channelAddress).toBe(stack.topic);
    expect(reader.records.length).toBeGreaterThanOrEqual(3);
    for (const record of reader.records) expect({ offset: record.offset, errors: asyncApiErrors(api, record) }).toEqual({ offset: record.offset, errors: [] });

    const wrong: TopicRecord = { ...reader.records[0], key: 'x', headers: { id: 'not-a-uuid', type: 'BookAdded' }, value: { id: 3, title: 'Miro' } };
    expect(asyncApiErrors(api, wrong).length).toBeGreaterThanOrEqual(3);
  });
});
