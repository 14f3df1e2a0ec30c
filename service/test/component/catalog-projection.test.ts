import { randomBytes, randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { Sequelize } from 'sequelize';
import { prng } from '../../../tools/chaos/load';
import type { BookRow } from '../../src/contract/book-events';
import { catalogMigrations } from '../../src/consumer/migrations';
import { fromCents, toCents } from '../../src/consumer/money';
import { applyEvents, SourcedEvent } from '../../src/consumer/projection';
import { migrate } from '../../src/shared/db/migrator';
import { bootstrapCatalog } from '../../src/shared/db/roles';
import { createSequelize } from '../../src/shared/db/sequelize';
import { sharedCluster } from '../support/test-database';

/**
 * The projection applies a chunk in a few set-based statements; its outcome must be that of
 * applying the events one at a time, in order, each at most once (the reference model below),
 * whatever the chunk boundaries, redeliveries and partitions running concurrently.
 */
let sequelize: Sequelize;
let admin: Client;
let drop: () => Promise<void>;

beforeAll(async () => {
  const cluster = sharedCluster();
  const suffix = randomBytes(4).toString('hex');
  const [database, role, password] = [`catalog_${suffix}`, `catalog_${suffix}`, randomBytes(9).toString('hex')];
  await bootstrapCatalog(cluster.adminUrl, password, database, role);
  sequelize = createSequelize({ url: `postgres://${role}:${password}@${cluster.host}:${cluster.port}/${database}`, poolMax: 4 });
  await migrate<unknown>(sequelize, catalogMigrations, {});
  admin = new Client({ connectionString: cluster.adminUrl.replace(/\/postgres$/, `/${database}`) });
  await admin.connect();
  drop = async () => {
    await sequelize.close();
    await admin.end();
    const server = new Client({ connectionString: cluster.adminUrl });
    await server.connect();
    await server.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await server.query(`DROP ROLE IF EXISTS ${role}`);
    await server.end();
  };
});
afterAll(() => drop?.());
beforeEach(() => admin.query('TRUNCATE catalog_books, author_stats, inbox'));

const uuid = (n: number) => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;

/** A seeded stream over a few books of a few authors: adds, deletes, adds of known books, deletes of unknown ones, and redeliveries. */
function stream(seed: number, length: number): SourcedEvent[] {
  const random = prng(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)];
  const events: SourcedEvent[] = [];
  for (let i = 0; i < length; i++) {
    if (events.length && random() < 0.15) {
      events.push({ ...pick(events), offset: String(i) }); // redelivered, possibly after later events of its book
      continue;
    }
    const id = 1 + Math.floor(random() * 40);
    const book = { id, title: `T${id}-${i}`, author: pick(['Ann', 'Bo', 'Cy', 'Di']), price: pick([1, 2.5, 9.99, 12.34]) };
    events.push({ id: uuid(i + 1), type: random() < 0.6 ? 'BookAdded' : 'BookDeleted', book, partition: id % 3, offset: String(i) });
  }
  return events;
}

/** Events applied one at a time, each id at most once: what the read model must hold. */
function reference(events: SourcedEvent[]) {
  const inbox = new Set<string>();
  const books = new Map<number, BookRow>();
  for (const { id, type, book } of events) {
    if (inbox.has(id)) continue;
    inbox.add(id);
    if (type === 'BookAdded' && !books.has(book.id)) books.set(book.id, { ...book, price: book.price.toFixed(2) });
    if (type === 'BookDeleted') books.delete(book.id);
  }
  const stats = new Map<string, { books: number; cents: bigint }>();
  for (const b of books.values()) {
    const s = stats.get(b.author) ?? { books: 0, cents: 0n };
    stats.set(b.author, { books: s.books + 1, cents: s.cents + toCents(b.price) });
  }
  return {
    inbox: [...inbox].sort(),
    books: [...books.values()].sort((a, b) => a.id - b.id),
    stats: [...stats].map(([author, s]) => ({ author, books: s.books, total: fromCents(s.cents) })).sort((a, b) => a.author.localeCompare(b.author)),
  };
}

async function readModel() {
  const q = async (sql: string) => (await admin.query(sql)).rows;
  return {
    inbox: (await q('SELECT event_id::text AS id FROM inbox ORDER BY 1')).map((r) => r.id),
    // Every column (numeric arrives as exact text): a column the projection does not fill shows.
    books: await q('SELECT * FROM catalog_books ORDER BY id'),
    stats: (await q('SELECT author, books, total_price::text AS total FROM author_stats ORDER BY author COLLATE "C"'))
      .map((r) => ({ ...r, total: fromCents(toCents(r.total)) })),
  };
}

async function applyInChunks(events: SourcedEvent[], sizes: () => number): Promise<number> {
  let duplicates = 0;
  for (let i = 0; i < events.length;) {
    const chunk = events.slice(i, (i += sizes()));
    duplicates += (await applyEvents(sequelize, chunk)).duplicates;
  }
  return duplicates;
}

it.each([1, 7, 500])('equals the events applied one at a time, once each, in chunks of %i', async (size) => {
  const events = stream(size, 600);
  const duplicates = await applyInChunks(events, () => size);
  const expected = reference(events);
  expect(await readModel()).toEqual(expected);
  expect(duplicates).toBe(events.length - expected.inbox.length);
});

it('changes nothing when a whole stream is delivered again, in other chunks', async () => {
  const events = stream(42, 400);
  await applyInChunks(events, () => 50);
  const once = await readModel();
  const random = prng(7);
  expect(await applyInChunks(events, () => 1 + Math.floor(random() * 120))).toBe(events.length);
  expect(await readModel()).toEqual(once);
});

it('keeps author_stats exact with the three partitions applied concurrently', async () => {
  const events = stream(3, 1500);
  const random = prng(11);
  await Promise.all([0, 1, 2].map((p) => applyInChunks(events.filter((e) => e.partition === p), () => 1 + Math.floor(random() * 60))));
  expect(await readModel()).toEqual(reference(events));
});

// The rules one by one.
let offset = 0;
const event = (type: SourcedEvent['type'], id: number, author: string, price: number, eventId = randomUUID()): SourcedEvent =>
  ({ id: eventId, type, book: { id, title: `Book ${id}`, author, price }, partition: 0, offset: String(offset++) });
const added = (id: number, author: string, price: number) => event('BookAdded', id, author, price);
const deleted = (id: number, author: string, price: number) => event('BookDeleted', id, author, price);

const state = async () => ({
  books: (await admin.query('SELECT id, author, price::text FROM catalog_books ORDER BY id')).rows,
  stats: (await admin.query('SELECT author, books, total_price::text AS total FROM author_stats ORDER BY author')).rows,
  inbox: Number((await admin.query('SELECT count(*) FROM inbox')).rows[0].count),
});

describe('the read model projection (one transaction per call)', () => {
  it('applies an event id once, whether repeated in one batch or in a later one', async () => {
    const add = added(1, 'Ann', 10);
    expect(await applyEvents(sequelize, [add, add])).toEqual({ applied: { BookAdded: 1, BookDeleted: 0 }, duplicates: 1 });
    expect(await applyEvents(sequelize, [add])).toEqual({ applied: { BookAdded: 0, BookDeleted: 0 }, duplicates: 1 });
    expect(await state()).toEqual({ books: [{ id: 1, author: 'Ann', price: '10.00' }], stats: [{ author: 'Ann', books: 1, total: '10.00' }], inbox: 1 });
  });

  it('sums prices exactly and removes an author whose last book is deleted', async () => {
    await applyEvents(sequelize, [added(1, 'Ann', 0.1), added(2, 'Ann', 0.2), added(3, 'Ann', 19.99), added(4, 'Bo', 5)]);
    expect((await state()).stats).toEqual([{ author: 'Ann', books: 3, total: '20.29' }, { author: 'Bo', books: 1, total: '5.00' }]);
    await applyEvents(sequelize, [deleted(4, 'Bo', 5), deleted(2, 'Ann', 0.2)]);
    expect((await state()).stats).toEqual([{ author: 'Ann', books: 2, total: '20.09' }]);
  });

  it('an add and a delete of one book in one batch leave nothing but their inbox rows', async () => {
    await applyEvents(sequelize, [added(7, 'Cy', 3), deleted(7, 'Cy', 3)]);
    expect(await state()).toEqual({ books: [], stats: [], inbox: 2 });
  });

  it('a delete of a book it never saw is recorded and changes nothing else', async () => {
    await applyEvents(sequelize, [added(1, 'Ann', 10)]);
    expect(await applyEvents(sequelize, [deleted(99, 'Ann', 10)])).toEqual({ applied: { BookAdded: 0, BookDeleted: 1 }, duplicates: 0 });
    expect(await state()).toEqual({ books: [{ id: 1, author: 'Ann', price: '10.00' }], stats: [{ author: 'Ann', books: 1, total: '10.00' }], inbox: 2 });
  });

  it('is all or nothing: a failing event rolls back the whole batch, inbox rows included', async () => {
    await admin.query("ALTER TABLE catalog_books ADD CONSTRAINT test_refuse CHECK (id <> 13)");
    try {
      await expect(applyEvents(sequelize, [added(11, 'Ann', 1), added(12, 'Bo', 2), added(13, 'Cy', 3)])).rejects.toThrow(/test_refuse/);
      expect(await state()).toEqual({ books: [], stats: [], inbox: 0 });
    } finally {
      await admin.query('ALTER TABLE catalog_books DROP CONSTRAINT test_refuse');
    }
  });

  it('concurrent batches changing the same authors in opposite orders do not deadlock', async () => {
    const authors = Array.from({ length: 12 }, (_, i) => `Author ${i}`);
    let id = 1000;
    for (let round = 0; round < 10; round++) {
      const forward = authors.map((a) => added(id++, a, 1));
      const backward = [...authors].reverse().map((a) => added(id++, a, 2));
      await Promise.all([applyEvents(sequelize, forward), applyEvents(sequelize, backward)]);
    }
    const { stats } = await state();
    expect(stats).toHaveLength(12);
    for (const s of stats) expect([s.books, s.total]).toEqual([20, '30.00']);
  });
});
