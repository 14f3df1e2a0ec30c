import { createTestDatabase, startOwnCluster, TestCluster, TestDatabase } from '../support/test-database';
import { json, startTestService, TestService } from '../support/test-service';
import { PostgresServer } from '../../../tools/stack/postgres';
import { waitFor } from '../../../tools/stack/processes';

// This file stops PostgreSQL, so it runs its own server rather than the shared one.
let cluster: TestCluster & { server: PostgresServer };
let db: TestDatabase;
let api: TestService;

beforeAll(async () => {
  cluster = await startOwnCluster();
  db = await createTestDatabase(cluster);
  await db.admin.end();
  api = await startTestService(db);
});
afterAll(async () => {
  await api?.stop();
  await cluster?.server.destroy();
});

it('answers 503 problems while PostgreSQL is down and recovers without a restart', async () => {
  const before = await api.postJson('/books', { title: 'Before', author: 'O', price: 1 });
  expect(before.status).toBe(201);
  expect((await api.request('/readyz')).status).toBe(200);

  await cluster.server.stop();

  const ready = await api.request('/readyz');
  expect(ready.status).toBe(503);
  const write = await api.postJson('/books', { title: 'During', author: 'O', price: 2 });
  expect(write.status).toBe(503);
  expect(write.headers.get('content-type')).toContain('application/problem+json');
  expect(write.headers.get('retry-after')).toBe('1');
  expect(await json(write)).toMatchObject({ status: 503, title: 'Service unavailable' });
  expect((await api.request('/books/1', { method: 'DELETE' })).status).toBe(503);
  expect((await api.request('/books')).status).toBe(503);
  expect((await api.request('/healthz')).status).toBe(200);

  await cluster.server.start();

  await waitFor('readiness after PostgreSQL restart', 20_000, async () => (await api.request('/readyz')).status === 200);
  const after = await api.postJson('/books', { title: 'After', author: 'O', price: 3 });
  expect(after.status).toBe(201);
  const titles = (await json(await api.request('/books'))).map((b: { title: string }) => b.title);
  expect(titles).toEqual(['Before', 'After']);
});
