import { QueryTypes, Sequelize } from 'sequelize';
import { createSequelize } from '../../src/db/sequelize';
import { createTestDatabase, TestDatabase } from '../support/test-database';

/**
 * db/deferred-begin.ts sends START TRANSACTION together with a managed transaction's first
 * statement. These tests fail if that statement ever ran outside the transaction.
 */
let db: TestDatabase;
let sequelize: Sequelize;

beforeAll(async () => {
  db = await createTestDatabase();
  await db.admin.query('CREATE TABLE deferred_begin (n int)');
  await db.admin.query('GRANT SELECT, INSERT ON deferred_begin TO PUBLIC');
  sequelize = createSequelize({ url: db.appUrl, poolMax: 1 });
});
afterAll(async () => {
  await sequelize?.close();
  await db?.drop();
});

const insert = (n: number, transaction: Parameters<Sequelize['query']>[1] extends infer O ? O extends { transaction?: infer T } ? T : never : never) =>
  sequelize.query('INSERT INTO deferred_begin (n) VALUES ($n) RETURNING n', { bind: { n }, transaction, type: QueryTypes.SELECT });
const rows = async (n: number) => (await db.admin.query('SELECT count(*)::int AS c FROM deferred_begin WHERE n = $1', [n])).rows[0].c as number;

it('rolls back a first statement that travelled with BEGIN', async () => {
  await expect(sequelize.transaction(async (t) => {
    expect(await insert(1, t)).toEqual([{ n: 1 }]);
    throw new Error('abort');
  })).rejects.toThrow('abort');
  expect(await rows(1)).toBe(0);
});

it('keeps it invisible to other sessions until COMMIT, then commits it', async () => {
  await sequelize.transaction(async (t) => {
    await insert(2, t);
    expect(await rows(2)).toBe(0);
    await insert(2, t);
  });
  expect(await rows(2)).toBe(2);
});

it('reports a failing first statement and leaves the connection usable', async () => {
  await expect(sequelize.transaction((t) => sequelize.query('INSERT INTO deferred_begin (n) VALUES ($n)', { bind: { n: 'x' }, transaction: t }))).rejects.toThrow(/invalid input syntax/);
  await sequelize.transaction((t) => insert(3, t));
  expect(await rows(3)).toBe(1);
});

it('sends BEGIN first before a statement without binds, and nothing for an empty transaction', async () => {
  await expect(sequelize.transaction(async (t) => {
    await sequelize.query('INSERT INTO deferred_begin (n) VALUES (4)', { transaction: t });
    throw new Error('abort');
  })).rejects.toThrow('abort');
  expect(await rows(4)).toBe(0);
  await expect(sequelize.transaction(async () => 'nothing')).resolves.toBe('nothing');
  const [status] = await sequelize.query<{ n: number }>('SELECT 5 AS n', { type: QueryTypes.SELECT });
  expect(status).toEqual({ n: 5 });
});
