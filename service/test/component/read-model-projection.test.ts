import { randomBytes, randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { Sequelize } from 'sequelize';
import { catalogMigrations } from '../../src/catalog/migrations';
import { applyEvents, SourcedEvent } from '../../src/catalog/projection';
import { migrate } from '../../src/db/migrator';
import { createSequelize } from '../../src/db/sequelize';
import { sharedCluster } from '../support/test-database';

// The projection against a real PostgreSQL, without Kafka: what one transaction of events does to the read model.
let sequelize: Sequelize;
let db: Client;
let name: string;

beforeAll(async () => {
  const cluster = sharedCluster();
  name = `catalog_${randomBytes(4).toString('hex')}`;
  await withAdmin(cluster.adminUrl, (admin) => admin.query(`CREATE DATABASE ${name}`));
  const url = cluster.adminUrl.replace(/\/postgres$/, `/${name}`);
  sequelize = createSequelize({ url, poolMax: 4 });
  await migrate<unknown>(sequelize, {}, undefined, catalogMigrations);
  db = new Client({ connectionString: url });
  await db.connect();
});

afterAll(async () => {
  await db?.end();
  await sequelize?.close();
  await withAdmin(sharedCluster().adminUrl, (admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
});

beforeEach(() => db.query('TRUNCATE catalog_books, author_stats, inbox'));

async function withAdmin<T>(url: string, work: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return await work(c);
  } finally {
    await c.end();
  }
}

let offset = 0;
const event = (type: SourcedEvent['type'], id: number, author: string, price: number, eventId = randomUUID()): SourcedEvent =>
  ({ id: eventId, type, book: { id, title: `Book ${id}`, author, price }, partition: 0, offset: String(offset++) });
const added = (id: number, author: string, price: number) => event('BookAdded', id, author, price);
const deleted = (id: number, author: string, price: number) => event('BookDeleted', id, author, price);

const state = async () => ({
  books: (await db.query('SELECT id, author, price::text FROM catalog_books ORDER BY id')).rows,
  stats: (await db.query('SELECT author, books, total_price::text AS total FROM author_stats ORDER BY author')).rows,
  inbox: Number((await db.query('SELECT count(*) FROM inbox')).rows[0].count),
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
    await db.query("ALTER TABLE catalog_books ADD CONSTRAINT test_refuse CHECK (id <> 13)");
    try {
      await expect(applyEvents(sequelize, [added(11, 'Ann', 1), added(12, 'Bo', 2), added(13, 'Cy', 3)])).rejects.toThrow(/test_refuse/);
      expect(await state()).toEqual({ books: [], stats: [], inbox: 0 });
    } finally {
      await db.query('ALTER TABLE catalog_books DROP CONSTRAINT test_refuse');
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
