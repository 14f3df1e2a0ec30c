import { loadConsumerConfig } from '../../src/consumer/config';
import { ConfigError } from '../../src/shared/config';

const base = { CATALOG_DATABASE_URL: 'postgres://book_catalog:secret@db:5432/catalog', KAFKA_BOOTSTRAP_SERVERS: 'kafka:9092' };

describe('loadConsumerConfig', () => {
  it('applies the documented defaults', () => {
    expect(loadConsumerConfig(base)).toMatchObject({
      brokers: ['kafka:9092'], topic: 'books.events', deadLetterTopic: 'books.events.dlq', groupId: 'book-catalog',
      port: 8001, dbPoolMax: 4, maxAttempts: 5, retryMaxMs: 10_000, databaseTls: { mode: 'disable' },
    });
  });

  it('reads a list of brokers and TLS settings like the service', () => {
    const config = loadConsumerConfig({ ...base, KAFKA_BOOTSTRAP_SERVERS: 'a:9092, b:9093', CATALOG_DATABASE_URL: `${base.CATALOG_DATABASE_URL}?sslmode=require` });
    expect(config.brokers).toEqual(['a:9092', 'b:9093']);
    expect(config.databaseTls.mode).toBe('require');
    expect(config.databaseUrl).not.toContain('sslmode');
  });

  it('lists every problem at once and never echoes the database URL', () => {
    let error: unknown;
    try {
      loadConsumerConfig({ CATALOG_DATABASE_URL: 'mysql://u:topsecret@h/db', KAFKA_BOOTSTRAP_SERVERS: 'no-port', CONSUMER_MAX_ATTEMPTS: '0', KAFKA_DLQ_TOPIC: 'books.events' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const { problems, message } = error as ConfigError;
    expect(problems).toHaveLength(4);
    expect(message).not.toContain('topsecret');
  });

  it('requires the database and the brokers', () => {
    expect(() => loadConsumerConfig({})).toThrow(/CATALOG_DATABASE_URL is required[\s\S]*KAFKA_BOOTSTRAP_SERVERS is required/);
  });
});
