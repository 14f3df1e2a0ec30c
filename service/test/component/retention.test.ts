import { createSequelize } from '../../src/shared/db/sequelize';
import { deleteExpiredKeys } from '../../src/api/books/idempotency';
import { Outbox } from '../../src/api/outbox/outbox';
import { json, useServiceAndDatabase } from '../support/test-service';

const env = useServiceAndDatabase();

it('deletes outbox rows past retention and expired idempotency keys in batches, as the service role, and keeps newer rows and all books', async () => {
  const ids: number[] = [];
  for (let i = 0; i < 7; i++) ids.push((await json(await env.api.postJson('/books', { title: `R${i}`, author: 'R', price: 1 }))).id);
  // Five events are two hours old, two are fresh.
  await env.db.admin.query(
    "UPDATE outbox SET occurred_at = occurred_at - interval '2 hours' WHERE aggregateid = ANY($1)",
    [ids.slice(0, 5).map(String)],
  );
  await env.db.admin.query("INSERT INTO idempotency_keys (key, request_hash, created_at) VALUES ('old', repeat('0', 64), now() - interval '2 days'), ('new', repeat('0', 64), now())");

  const app = createSequelize({ url: env.db.appUrl, poolMax: 1 });
  try {
    const outbox = new Outbox(app, { retentionSeconds: 3600, cleanupIntervalSeconds: 60, cleanupBatchSize: 2 });
    expect(await outbox.deleteExpired()).toBe(5);
    expect(await deleteExpiredKeys(app, { keyTtlSeconds: 86400, cleanupIntervalSeconds: 60, cleanupBatchSize: 2 })).toBe(1);
  } finally {
    await app.close();
  }
  const { rows } = await env.db.admin.query('SELECT aggregateid FROM outbox ORDER BY aggregateid::int');
  expect(rows.map((r) => Number(r.aggregateid))).toEqual(ids.slice(5));
  expect((await env.db.admin.query('SELECT key FROM idempotency_keys')).rows).toEqual([{ key: 'new' }]);
  expect((await env.db.admin.query('SELECT count(*)::int AS n FROM books')).rows[0].n).toBe(7);
});
