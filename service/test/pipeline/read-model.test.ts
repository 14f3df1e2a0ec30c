import { randomUUID } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { Kafka, logLevel } from 'kafkajs';
import { withClient } from '../../../tools/stack/database';
import { TopicReader } from '../../../tools/stack/topic-reader';
import { deleteBook, postBook, usePipelineStack } from './support/pipeline-stack';
import { consumerMetrics, readModel, total, waitForReadModel } from './support/read-model';

// The consumer side: books.events → the book-catalog consumer → its read model (catalog_books, author_stats, inbox).
const fixture = usePipelineStack({ consumerEnv: { CONSUMER_MAX_ATTEMPTS: '3', CONSUMER_RETRY_MAX_SECONDS: '1' } });
const AUTHORS = ['Ursula', 'Stanisław', 'Octavia', 'Ted', 'Ann', 'Liu', 'Miro'];

async function addBooks(count: number, tag: string, concurrency = 8): Promise<number[]> {
  const ids: number[] = [];
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < count) {
      const i = next++;
      const response = await postBook(fixture.stack.service!.url, { title: `${tag} ${i}`, author: AUTHORS[i % AUTHORS.length], price: (500 + ((i * 37) % 1000)) / 100 });
      expect(response.status).toBe(201);
      ids.push(((await response.json()) as { id: number }).id);
    }
  }));
  return ids;
}

async function deleteBooks(ids: number[]): Promise<void> {
  await Promise.all(ids.map(async (id) => expect((await deleteBook(fixture.stack.service!.url, id)).status).toBe(204)));
}

const eventCount = async () => withClient(fixture.stack.database.adminUrl, async (db) => Number((await db.query('SELECT count(*) FROM outbox')).rows[0].count));

describe('the book-catalog read model', () => {
  it('equals the books table and its per-author aggregate after a mixed load, each event applied once', async () => {
    const ids = await addBooks(80, 'mixed');
    await deleteBooks(ids.filter((_, i) => i % 3 === 0));
    const events = await eventCount();
    const model = await waitForReadModel(fixture.stack, { inbox: events });
    expect(model.books).toHaveLength(80 - 27);
    expect(model.stats.reduce((n, [, books]) => n + books, 0)).toBe(80 - 27);

    const metrics = await consumerMetrics(fixture.stack);
    expect(metrics.get('catalog_events_processed_total{type="BookAdded"}')).toBe(80);
    expect(metrics.get('catalog_events_processed_total{type="BookDeleted"}')).toBe(27);
    expect(total(metrics, 'catalog_events_dead_lettered_total')).toBe(0);
    // the newest applied event's timestamp is the newest outbox row's occurred_at (Kafka keeps milliseconds)
    const newest = await withClient(fixture.stack.database.adminUrl, async (db) => Number((await db.query('SELECT extract(epoch FROM max(occurred_at)) AS t FROM outbox')).rows[0].t));
    expect(Math.abs(metrics.get('catalog_last_event_timestamp_seconds')! - newest)).toBeLessThan(0.002);
    expect(metrics.get('catalog_dead_letters_unreplayed')).toBe(0);
  });

  it('skips redelivered events (offsets reset to the beginning) and counts them: the projection does not change', async () => {
    const before = await readModel(fixture.stack);
    const events = await eventCount();
    const { stack } = fixture;
    await stack.consumer!.stop(); // SIGTERM: commits and leaves the group, so its offsets can be reset
    const admin = new Kafka({ brokers: [stack.kafka.bootstrap], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      await admin.resetOffsets({ groupId: 'book-catalog', topic: stack.topic, earliest: true });
    } finally {
      await admin.disconnect();
    }
    await stack.consumer!.start();
    await expectEventually(async () => total(await consumerMetrics(stack), 'catalog_events_duplicate_total'), events);
    expect(await readModel(stack)).toEqual(before);
    const metrics = await consumerMetrics(stack);
    expect(total(metrics, 'catalog_events_processed_total')).toBe(0);
  });

  it('dead-letters poison records of every kind with their error and origin, and applies the valid events around them in order', async () => {
    const { stack } = fixture;
    const [id] = await addBooks(1, 'around poison');
    const partition = await partitionOf(String(id));
    const key = String(id);
    const value = (over: object) => JSON.stringify({ id, title: 'around poison 0', author: AUTHORS[0], price: 5, ...over });
    const poisons = [
      { reason: 'missing-header', headers: { type: 'BookAdded' }, value: value({}) },
      { reason: 'invalid-header', headers: { id: 'not-a-uuid', type: 'BookAdded' }, value: value({}) },
      { reason: 'unknown-type', headers: { id: randomUUID(), type: 'BookRenamed' }, value: value({}) },
      { reason: 'invalid-value', headers: { id: randomUUID(), type: 'BookAdded' }, value: value({ price: -3 }) },
      { reason: 'unparseable-json', headers: { id: randomUUID(), type: 'BookDeleted' }, value: '{"id":' },
    ];
    const producer = new Kafka({ brokers: [stack.kafka.bootstrap], logLevel: logLevel.NOTHING }).producer();
    await producer.connect();
    const offsets: string[] = [];
    try {
      for (const p of poisons) {
        const [meta] = await producer.send({ topic: stack.topic, acks: -1, messages: [{ key, value: p.value, headers: p.headers, partition }] });
        offsets.push(meta.baseOffset!);
      }
    } finally {
      await producer.disconnect();
    }
    await deleteBooks([id]); // after the poison, on the same partition

    await waitForReadModel(stack);
    expect((await readModel(stack)).books.some(([bookId]) => bookId === id)).toBe(false);
    const letters = await readTopic(stack.deadLetterTopic, poisons.length);
    expect(letters.map((r) => r.headers['dlq.reason'])).toEqual(poisons.map((p) => p.reason));
    letters.forEach((letter, i) => {
      expect(letter.key).toBe(key);
      expect(letter.raw).toBe(poisons[i].value);
      expect(letter.headers).toMatchObject({ ...poisons[i].headers, 'dlq.source.topic': stack.topic, 'dlq.source.partition': String(partition), 'dlq.source.offset': offsets[i], 'dlq.consumer.group': 'book-catalog' });
      expect(letter.headers['dlq.error']).not.toBe('');
    });
    const metrics = await consumerMetrics(stack);
    for (const p of poisons) expect(metrics.get(`catalog_events_dead_lettered_total{reason="${p.reason}"}`)).toBe(1);
  });

  it('dead-letters an event the read model keeps refusing, and `npm run dlq -- replay` applies it once fixed', async () => {
    const { stack } = fixture;
    await withClient(stack.catalog.adminUrl, (db) => db.query("ALTER TABLE catalog_books ADD CONSTRAINT test_refuse CHECK (title <> 'refused 0')"));
    const before = (await consumerMetrics(stack)).get('catalog_events_dead_lettered_total{reason="apply-failed"}') ?? 0;
    const [refused] = await addBooks(1, 'refused');
    const later = await addBooks(5, 'after refused');
    await expectEventually(async () => (await consumerMetrics(stack)).get('catalog_events_dead_lettered_total{reason="apply-failed"}'), before + 1);
    // The later events need not be applied yet when the refused one is dead-lettered (other partitions run on their own).
    await expectEventually(async () => {
      const ids = new Set((await readModel(stack)).books.map(([id]) => id));
      return later.every((id) => ids.has(id));
    }, true);
    expect((await readModel(stack)).books.some(([id]) => id === refused)).toBe(false);

    const unreplayed = async () => (await consumerMetrics(stack)).get('catalog_dead_letters_unreplayed');
    await expectEventually(unreplayed, 6);
    await withClient(stack.catalog.adminUrl, (db) => db.query('ALTER TABLE catalog_books DROP CONSTRAINT test_refuse'));
    const replay = await runDlq(['replay']);
    expect(replay).toMatch(/\b6 record\(s\) replayed/); // the five poisons of the previous test come back too, and go to the DLQ again
    await expectEventually(unreplayed, 5);
    await waitForReadModel(stack);
    expect(await runDlq(['replay'])).toMatch(/5 record\(s\) replayed/); // only the poisons that were dead-lettered again
  });

  it('converges after being SIGKILLed mid-stream', async () => {
    const { stack } = fixture;
    const applied = (await readModel(stack)).inbox;
    let written = false;
    const writing = addBooks(300, 'kill', 4).finally(() => (written = true));
    await expectEventually(async () => (await readModel(stack)).inbox >= applied + 60, true);
    expect(written).toBe(false); // mid-stream: writes go on while it is down
    await stack.consumer!.kill();
    await new Promise((r) => setTimeout(r, 1000));
    await stack.consumer!.start();
    await writing;
    await waitForReadModel(stack, { inbox: await inboxExpected() });
  });

  it('waits out its database being unavailable under load: nothing dead-lettered, nothing lost, lag back to 0', async () => {
    const { stack } = fixture;
    const deadBefore = total(await consumerMetrics(stack), 'catalog_events_dead_lettered_total');
    const writing = addBooks(150, 'outage', 2);
    await withClient(stack.database.adminUrl.replace(/\/[^/?]+(\?|$)/, '/postgres$1'), async (db) => {
      await db.query('ALTER DATABASE catalog WITH ALLOW_CONNECTIONS false');
      await db.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'catalog'");
      await expectEventually(async () => (await fetch(`${stack.consumer!.url}/readyz`)).status, 503);
      // Events pile up meanwhile (the lag is read from Kafka, not from the database).
      await expectEventually(async () => total(await consumerMetrics(stack), 'catalog_consumer_lag') > 20, true);
      await new Promise((r) => setTimeout(r, 3000));
      await db.query('ALTER DATABASE catalog WITH ALLOW_CONNECTIONS true');
    });
    await writing;
    await waitForReadModel(stack, { inbox: await inboxExpected() });
    const metrics = await consumerMetrics(stack);
    expect(total(metrics, 'catalog_events_dead_lettered_total')).toBe(deadBefore);
    await expectEventually(async () => total(await consumerMetrics(stack), 'catalog_consumer_lag'), 0);
  });

  it('started while Kafka does not answer, it waits in-process (not ready, no exit) and consumes once the broker is back', async () => {
    const { stack } = fixture;
    const consumer = stack.consumer!;
    await consumer.stop();
    await stack.kafka.kill();
    const logFrom = statSync(consumer.logFile).size;
    // start() fails if the process exits, and resolves once /readyz says 200 (within 60 s).
    const started = consumer.start();
    await expectEventually(() => Promise.resolve(readFileSync(consumer.logFile, 'utf8').slice(logFrom).includes('starting it again')), true, 45_000);
    await stack.kafka.start();
    await started;
    await addBooks(20, 'late-start', 2);
    await waitForReadModel(stack, { inbox: await inboxExpected() });
  });
});

/** Event ids the inbox must hold: every outbox event (the poison records' ids never get there). */
const inboxExpected = eventCount;

async function expectEventually<T>(read: () => Promise<T>, expected: T, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await read().catch(() => undefined);
    if (last === expected) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  expect(last).toBe(expected);
}

async function partitionOf(key: string): Promise<number> {
  const reader = fixture.track(await new TopicReader(fixture.stack.kafka.bootstrap, fixture.stack.topic, { clientId: 'read-model-test' }).start());
  await reader.waitUntil(`the event of book ${key}`, (records) => records.some((r) => r.key === key));
  const partition = reader.records.find((r) => r.key === key)!.partition;
  await reader.stop();
  return partition;
}

async function readTopic(topic: string, count: number) {
  const reader = fixture.track(await new TopicReader(fixture.stack.kafka.bootstrap, topic, { clientId: 'read-model-dlq' }).start());
  await reader.waitUntil(`${count} records on ${topic}`, (records) => records.length >= count);
  await reader.readToEnd();
  await reader.stop();
  return reader.records.sort((a, b) => a.offset - b.offset);
}

async function runDlq(args: string[]): Promise<string> {
  const { execFile } = await import('node:child_process');
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', 'service/src/bin/catalog-dlq.ts', ...args], {
      env: { ...process.env, KAFKA_BOOTSTRAP_SERVERS: fixture.stack.kafka.bootstrap, KAFKA_DLQ_TOPIC: fixture.stack.deadLetterTopic },
      timeout: 120_000,
    }, (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stdout}\n${stderr}`)) : resolve(stdout)));
  });
}
