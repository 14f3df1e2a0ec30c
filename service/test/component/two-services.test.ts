import { createTestDatabase, TestDatabase } from '../support/test-database';
import { json, startTestService, TestService } from '../support/test-service';

/**
 * Two services in one process (as the graceful-shutdown test and any embedding do) share
 * no database state: each reads and writes through its own pool, and closing one leaves
 * the other working.
 */
describe('two services in one process', () => {
  const dbs: TestDatabase[] = [];
  const apis: TestService[] = [];
  beforeAll(async () => {
    for (let i = 0; i < 2; i++) {
      dbs.push(await createTestDatabase());
      apis.push(await startTestService(dbs[i]));
    }
  });
  afterAll(async () => {
    for (const api of apis) await api.stop();
    for (const db of dbs) await db.drop();
  });

  it('each reads through its own pool, also after the other one has closed', async () => {
    const [a, b] = apis;
    const inA = await json(await a.postJson('/books', { title: 'Only in A', author: 'A', price: 1 }));
    const inB = await json(await b.postJson('/books', { title: 'Only in B', author: 'B', price: 2 }));
    // Fresh databases: both books have id 1, so a read through the wrong pool shows the other title.
    expect((await json(await a.request(`/books/${inA.id}`))).title).toBe('Only in A');
    expect((await json(await b.request(`/books/${inB.id}`))).title).toBe('Only in B');
    expect((await json(await a.request('/books'))).map((x: { title: string }) => x.title)).toEqual(['Only in A']);

    await b.stop(); // closes B's pool
    const res = await a.request(`/books/${inA.id}`);
    expect(res.status).toBe(200);
    expect((await json(res)).title).toBe('Only in A');
    expect((await a.request('/books')).status).toBe(200);
  });
});
