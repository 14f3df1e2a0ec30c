import { createTestDatabase, TestDatabase } from '../support/test-database';
import { json, startTestService, TestService } from '../support/test-service';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.drop();
});

async function counts() {
  const { rows } = await db.admin.query('SELECT (SELECT count(*) FROM books)::int AS books, (SELECT count(*) FROM outbox)::int AS outbox');
  return rows[0] as { books: number; outbox: number };
}

/** Faults injected in the database itself, at the exact point of the transaction named. */
async function withFault<T>(table: 'outbox' | 'books', timing: 'BEFORE INSERT' | 'BEFORE DELETE' | 'COMMIT', run: () => Promise<T>): Promise<T> {
  const kind = timing === 'COMMIT' ? 'CONSTRAINT TRIGGER' : 'TRIGGER';
  const when = timing === 'COMMIT' ? 'AFTER INSERT' : timing;
  const deferral = timing === 'COMMIT' ? 'DEFERRABLE INITIALLY DEFERRED' : '';
  await db.admin.query(`CREATE FUNCTION injected_fault() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'injected fault'; END $$`);
  await db.admin.query(`CREATE ${kind} injected_fault ${when} ON ${table} ${deferral} FOR EACH ROW EXECUTE FUNCTION injected_fault()`);
  try {
    return await run();
  } finally {
    await db.admin.query(`DROP TRIGGER injected_fault ON ${table}`);
    await db.admin.query('DROP FUNCTION injected_fault()');
  }
}

describe('the unit of work', () => {
  let api: TestService;
  beforeAll(async () => {
    api = await startTestService(db);
  });
  afterAll(() => api?.stop());

  it('leaves neither row when the outbox insert fails after the book insert', async () => {
    const before = await counts();
    const res = await withFault('outbox', 'BEFORE INSERT', () => api.postJson('/books', { title: 'Lost', author: 'X', price: 1 }));
    expect(res.status).toBe(500);
    expect(JSON.stringify(await json(res))).not.toContain('injected fault');
    expect(await counts()).toEqual(before);
  });

  it('leaves neither row when the commit fails after both inserts', async () => {
    const before = await counts();
    const res = await withFault('outbox', 'COMMIT', () => api.postJson('/books', { title: 'Lost', author: 'X', price: 1 }));
    expect(res.status).toBe(500);
    expect(await counts()).toEqual(before);
  });

  it('keeps the book when its BookDeleted event cannot be written', async () => {
    const book = await json(await api.postJson('/books', { title: 'Stays', author: 'Y', price: 2 }));
    const before = await counts();
    const res = await withFault('outbox', 'BEFORE INSERT', () => api.request(`/books/${book.id}`, { method: 'DELETE' }));
    expect(res.status).toBe(500);
    expect(await counts()).toEqual(before);
    expect((await api.request(`/books/${book.id}`)).status).toBe(200);
  });

  it('writes no event when the book insert itself fails', async () => {
    const before = await counts();
    const res = await withFault('books', 'BEFORE INSERT', () => api.postJson('/books', { title: 'Never', author: 'Z', price: 3 }));
    expect(res.status).toBe(500);
    expect(await counts()).toEqual(before);
  });
});

describe('outbox retention 0', () => {
  let api: TestService;
  beforeAll(async () => {
    api = await startTestService(db, { outbox: { retentionSeconds: 0 } });
  });
  afterAll(() => api?.stop());

  it('deletes the outbox row in the same transaction while the WAL still carries the event', async () => {
    const { rows: [{ lsn }] } = await db.admin.query('SELECT pg_current_wal_lsn()::text AS lsn');
    const res = await api.postJson('/books', { title: 'Streamed', author: 'W', price: 4.2 });
    expect(res.status).toBe(201);
    const book = await json(res);
    const { rowCount } = await db.admin.query('SELECT 1 FROM outbox WHERE aggregateid = $1', [String(book.id)]);
    expect(rowCount).toBe(0);
    expect((await db.admin.query('SELECT 1 FROM books WHERE id = $1', [book.id])).rowCount).toBe(1);

    // What Debezium will receive: decode the slot's changes since the write began (peek does not consume).
    const { rows } = await db.admin.query(
      `SELECT encode(data, 'escape') AS data FROM pg_logical_slot_peek_binary_changes($1, NULL, NULL,
         'proto_version', '1', 'publication_names', $2) WHERE lsn >= $3::pg_lsn`,
      [db.slot, db.publication, lsn],
    );
    const stream = rows.map((r) => r.data as string).join('\n');
    expect(stream).toContain('BookAdded');
    expect(stream).toContain(`"title": "Streamed"`);
  });
});
