import type { Sequelize } from 'sequelize';
import { databaseReachable } from '../../src/shared/http/health';

// A stand-in for the one call readiness makes: the cases a real PostgreSQL cannot be made to
// produce on demand (a connection whose peer vanished answers neither with rows nor with an error).
const answering = (outcome: 'rows' | 'error' | 'nothing') =>
  ({
    query: () => (outcome === 'rows' ? Promise.resolve([]) : outcome === 'error' ? Promise.reject(new Error('ECONNREFUSED')) : new Promise(() => {})),
  }) as unknown as Sequelize;

describe('databaseReachable', () => {
  it('is true when SELECT 1 answers', async () => {
    expect(await databaseReachable(answering('rows'))).toBe(true);
  });

  it('is false when SELECT 1 fails', async () => {
    expect(await databaseReachable(answering('error'))).toBe(false);
  });

  it('is false, within its timeout, when SELECT 1 never answers (a blackholed connection)', async () => {
    const started = Date.now();
    expect(await databaseReachable(answering('nothing'), 200)).toBe(false);
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
