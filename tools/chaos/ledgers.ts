import { readOutbox, withClient } from '../stack/database';
import { pollUntil } from '../stack/processes';
import { TopicReader } from '../stack/topic-reader';
import type { DatabaseLedger, OutboxRow, TopicRecord } from './reconcile';

/** The database's ledger: every outbox row (the commit log) and the ids in books (the state). */
export async function readDatabase(adminUrl: string): Promise<DatabaseLedger> {
  return withClient(adminUrl, async (db) => {
    const outbox = await readOutbox<OutboxRow['type'], OutboxRow['payload']>(db);
    const books = (await db.query('SELECT id FROM books')).rows.map((r) => Number(r.id));
    return { outbox, books };
  });
}

/**
 * Reads the whole topic: until every id in `expected` has been seen (or `timeoutMs`
 * passed), and then up to the partitions' end offsets at that moment, so that anything
 * unexpected already on the topic is read too.
 */
export async function drainTopic(bootstrap: string, topic: string, expected: Set<string>, timeoutMs: number,
  log: (line: string) => void = () => undefined): Promise<TopicRecord[]> {
  const seen = new Set<string>();
  const reader = new TopicReader(bootstrap, topic, { clientId: 'chaos-reconcile', maxWaitTimeInMs: 200, onRecord: (r) => r.headers.id && seen.add(r.headers.id) });
  await reader.start();
  try {
    const missing = () => [...expected].filter((id) => !seen.has(id)).length;
    let lastLog = Date.now();
    await pollUntil(timeoutMs, () => missing() === 0, {
      intervalMs: 250,
      onPoll: () => {
        if (Date.now() - lastLog < 15_000) return;
        log(`draining ${topic}: ${reader.records.length} records read, ${missing()} of ${expected.size} expected events not seen yet`);
        lastLog = Date.now();
      },
    });
    await reader.readToEnd(60_000);
  } finally {
    await reader.stop();
  }
  return reader.records;
}
