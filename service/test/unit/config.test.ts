import { loadConfig } from '../../src/api/config';
import { ConfigError } from '../../src/shared/config';

const base = { DATABASE_URL: 'postgres://app:secret@db:5432/books' };

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig(base);
    expect(config).toMatchObject({
      port: 8000,
      logLevel: 'info',
      outbox: { retentionSeconds: 3600, slot: 'book_outbox_slot', publication: 'book_outbox_publication' },
      shutdownDrainSeconds: 5,
      webConcurrency: 1,
    });
  });

  it('reads WEB_CONCURRENCY within 1 to 64', () => {
    expect(loadConfig({ ...base, WEB_CONCURRENCY: '2' }).webConcurrency).toBe(2);
    expect(() => loadConfig({ ...base, WEB_CONCURRENCY: '0' })).toThrow(/WEB_CONCURRENCY must be an integer from 1 to 64/);
  });

  it('builds the URL from libpq PG* variables when DATABASE_URL is absent', () => {
    const config = loadConfig({ PGHOST: 'db', PGUSER: 'app', PGPASSWORD: 'p@ss', PGDATABASE: 'books' });
    expect(config.databaseUrl).toBe('postgres://app:p%40ss@db:5432/books');
  });

  it('accepts retention 0 (delete in the same transaction)', () => {
    expect(loadConfig({ ...base, OUTBOX_RETENTION_SECONDS: '0' }).outbox.retentionSeconds).toBe(0);
  });

  it('lists every problem at once and never echoes the database URL', () => {
    let error: unknown;
    try {
      loadConfig({ DATABASE_URL: 'mysql://root:hunter2@db/x', PORT: 'eighty', LOG_LEVEL: 'loud', OUTBOX_SLOT: 'Bad-Slot', OUTBOX_RETENTION_SECONDS: '-1' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const { problems, message } = error as ConfigError;
    expect(problems).toHaveLength(5);
    expect(message).toMatch(/PORT must be an integer from 0 to 65535 \(got "eighty"\)/);
    expect(message).toMatch(/LOG_LEVEL must be one of/);
    expect(message).toMatch(/OUTBOX_SLOT must be a lower-case SQL identifier/);
    expect(message).not.toContain('hunter2');
  });

  it('requires a database', () => {
    expect(() => loadConfig({})).toThrow(/DATABASE_URL is required/);
  });
});
