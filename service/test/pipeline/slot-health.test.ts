// Deliberate copy (docs/design.md, "Copies"): the pipeline tests' common preamble.
/* jscpd:ignore-start */
import { Client } from 'pg';
import { readFileSync } from 'node:fs';
import { localStackChecks, sample } from '../../../tools/ops/local-status';
import { Stack } from '../../../tools/stack/stack';
import { TopicReader } from '../../../tools/stack/topic-reader';
import { outboxRows } from './support/pipeline-stack';
import { postBook, usePipelineStack } from './support/pipeline-stack';
import { pollUntil, waitFor } from '../../../tools/stack/processes';

const fixture = usePipelineStack({ testTimeoutMs: 600_000 });
let stack: Stack;
let db: Client;
let reader: TopicReader | undefined;
beforeAll(() => ({ stack, db } = fixture));
/* jscpd:ignore-end */

interface SlotMetrics { retained: number; active: number; outboxRows: number; walStatus?: string }

/** The slot gauges as a Prometheus scrape of the real service sees them. */
async function slotMetrics(): Promise<SlotMetrics> {
  const text = await (await fetch(`${stack.service!.url}/metrics`)).text();
  const value = (name: string) => {
    const v = sample(text, name);
    if (v === undefined || Number.isNaN(v)) throw new Error(`${name} missing from /metrics`);
    return v;
  };
  const walStatus = /^cdc_slot_wal_status\{status="(\w+)"\} 1$/m.exec(text)?.[1];
  return { retained: value('cdc_slot_retained_wal_bytes'), active: value('cdc_slot_active'), outboxRows: value('outbox_rows'), walStatus };
}

/** Scrapes until `predicate` holds (the gauges are read at most once a second); returns the last scrape. */
async function scrapeUntil(what: string, predicate: (m: SlotMetrics) => boolean, timeoutMs = 240_000): Promise<SlotMetrics> {
  let last: SlotMetrics | undefined;
  return waitFor(`/metrics to show ${what}`, timeoutMs, async () => {
    last = await slotMetrics().catch(() => last);
    return last && predicate(last) ? last : undefined;
  }, { intervalMs: 1000, detail: () => `last scrape ${JSON.stringify(last)}` });
}

const walLsn = async (): Promise<string> => (await db.query('SELECT pg_current_wal_lsn()::text AS lsn')).rows[0].lsn;
const walBytesBetween = async (from: string, to: string): Promise<number> =>
  Number((await db.query('SELECT pg_wal_lsn_diff($2::pg_lsn, $1::pg_lsn)::float8 AS n', [from, to])).rows[0].n);

describe('replication slot health on /metrics', () => {
  it('retained WAL grows while the connector is stopped and comes back down once it streams again', async () => {
    const running = await scrapeUntil('an active slot', (m) => m.active === 1);
    expect(running.walStatus).toBe('reserved');

    await stack.connector.stop();
    await stack.connector.waitFor('STOPPED');
    const stopped = await scrapeUntil('the slot released (cdc_slot_active 0)', (m) => m.active === 0);

    // Writes while nobody reads the slot: PostgreSQL must keep every byte of their WAL.
    const from = await walLsn();
    const WRITES = 300;
    for (let i = 0; i < WRITES; i += 10) {
      const batch = await Promise.all(Array.from({ length: 10 }, (_, j) => postBook(stack.service!.url, { title: `slot ${i + j}`, author: 'Slot Health', price: 12.5 })));
      expect(batch.map((r) => r.status)).toEqual(Array(10).fill(201));
    }
    const written = await walBytesBetween(from, await walLsn());
    expect(written).toBeGreaterThan(0);
    // outbox_rows is a statistics estimate: the backends report their inserts within seconds.
    const grown = await scrapeUntil(`retained WAL grown by the ${written} bytes written, ${WRITES} outbox rows`,
      (m) => m.retained >= stopped.retained + written && m.outboxRows >= WRITES);
    expect(grown.active).toBe(0);
    console.log(`slot health: retained ${running.retained} B running, ${stopped.retained} B at stop, ${grown.retained} B after ${WRITES} writes (${written} B of WAL)`);

    await stack.connector.resume();
    await stack.connector.waitFor('RUNNING');
    // Back down: Debezium confirms what it published, and PostgreSQL releases at least half of that WAL.
    // PostgreSQL moves a slot's restart_lsn only past decoded changes, so the usual trickle of writes goes on meanwhile.
    let trickling = true;
    const trickle = (async () => {
      for (let i = 0; trickling; i++) {
        await postBook(stack.service!.url, { title: `trickle ${i}`, author: 'Slot Health', price: 1 });
        await new Promise((r) => setTimeout(r, 500));
      }
    })();
    const recovered = await scrapeUntil('the slot active again with its retained WAL back down',
      (m) => m.active === 1 && m.retained < grown.retained - written / 2).finally(() => (trickling = false));
    await trickle;
    console.log(`slot health: retained ${recovered.retained} B after the connector resumed`);

    // And the events written meanwhile were not lost.
    const ids = new Set((await outboxRows(stack.database.adminUrl)).map((r) => r.id));
    reader = fixture.track(await new TopicReader(stack.kafka.bootstrap, stack.topic).start());
    await reader.waitUntil(`all ${ids.size} events`, (records) => [...ids].every((id) => records.some((r) => r.headers.id === id)), 240_000);
  });
});

/** Waits until the Connect worker's log has a line matching `pattern`; returns it. */
async function connectLogLine(pattern: RegExp, timeoutMs = 180_000): Promise<string> {
  return waitFor(`a line matching ${pattern} in ${stack.connect.logFile}`, timeoutMs,
    () => readFileSync(stack.connect.logFile, 'utf8').split('\n').find((l) => pattern.test(l)), 1000);
}

describe('max_slot_wal_keep_size reached', () => {
  it('invalidates the slot (visible on /metrics and in the connector status); the documented recovery loses nothing', async () => {
    // The cap of k8s/postgres-statefulset.yaml, shrunk so that a test reaches it.
    await db.query(`ALTER SYSTEM SET max_slot_wal_keep_size = '1MB'`);
    await db.query('SELECT pg_reload_conf()');
    await stack.connector.stop();
    await stack.connector.waitFor('STOPPED');
    await scrapeUntil('the slot released', (m) => m.active === 0);
    const gapStart = (await db.query(`SELECT (now() AT TIME ZONE 'UTC')::text AS t`)).rows[0].t;

    // Events committed while the connector is away; then enough other WAL for the cap to bite.
    for (let i = 0; i < 20; i++) expect((await postBook(stack.service!.url, { title: `gap ${i}`, author: 'Invalidated', price: 7 })).status).toBe(201);
    await db.query('CREATE TABLE wal_filler (id bigserial PRIMARY KEY, pad text)');
    let status = '';
    await pollUntil(240_000, async () => {
      await db.query(`INSERT INTO wal_filler (pad) SELECT repeat(md5(g::text), 30) FROM generate_series(1, 5000) g`);
      await db.query('SELECT pg_switch_wal()');
      await db.query('CHECKPOINT');
      status = (await db.query('SELECT wal_status FROM pg_replication_slots WHERE slot_name = $1', [stack.database.slot])).rows[0].wal_status;
      return status === 'lost';
    }, { intervalMs: 0 });
    expect(status).toBe('lost');
    await scrapeUntil('cdc_slot_wal_status{status="lost"}', (m) => m.walStatus === 'lost' && m.active === 0);

    // Debezium 3.6 does not FAIL on a lost slot: it retries for a long time, no task streams,
    // and only its log says why. /metrics (wal_status lost, inactive) is the signal to alert on.
    await stack.connector.resume();
    const warning = await connectLogLine(/Cannot obtain valid replication slot 'book_outbox_slot'/);
    console.log(`invalidated slot, Connect log: ${warning.slice(0, 240)}`);
    const connectorStatus = await stack.connector.status();
    expect((connectorStatus?.tasks ?? []).filter((t) => t.state === 'RUNNING')).toEqual([]);
    const checks = await localStackChecks({ connect: stack.connect.url, service: stack.service!.url });
    expect(checks.filter((c) => !c.ok).map((c) => c.name)).toEqual(expect.arrayContaining(['replication slot']));
    expect(checks.find((c) => c.name === 'replication slot')!.detail).toMatch(/lost/);
    expect(await slotMetrics()).toMatchObject({ active: 0, walStatus: 'lost' });

    // Recovery (docs/slot-health.md): a new slot, the connector's offsets reset, the outbox rows since the gap re-inserted.
    await stack.connector.stop();
    await stack.connector.waitFor('STOPPED');
    const offsets = await fetch(`${stack.connect.url}/connectors/${stack.connector.name}/offsets`, { method: 'DELETE' });
    expect(offsets.status).toBe(200);
    const owner = new Client({ connectionString: stack.database.ownerUrl });
    await owner.connect();
    try {
      await owner.query('SELECT pg_drop_replication_slot($1)', [stack.database.slot]);
      await owner.query(`SELECT pg_create_logical_replication_slot($1, 'pgoutput')`, [stack.database.slot]);
      await db.query('ALTER SYSTEM RESET max_slot_wal_keep_size');
      await db.query('SELECT pg_reload_conf()');
      await stack.connector.resume();
      await stack.connector.waitFor('RUNNING');
      await scrapeUntil('the new slot active', (m) => m.active === 1 && m.walStatus === 'reserved');
      await owner.query('BEGIN');
      await owner.query('CREATE TEMP TABLE replay ON COMMIT DROP AS SELECT * FROM outbox WHERE occurred_at >= $1::timestamp', [gapStart]);
      await owner.query('DELETE FROM outbox o USING replay r WHERE o.id = r.id');
      await owner.query(`INSERT INTO outbox SELECT * FROM replay ORDER BY occurred_at, type = 'BookDeleted'`);
      await owner.query('COMMIT');
    } finally {
      await owner.end();
    }

    const rows = await outboxRows(stack.database.adminUrl);
    const reader2 = await new TopicReader(stack.kafka.bootstrap, stack.topic).start();
    try {
      await reader2.waitUntil(`all ${rows.length} committed events, the gap included`, (records) => {
        const seen = new Set(records.map((r) => r.headers.id));
        return rows.every((row) => seen.has(row.id));
      }, 240_000);
      const ids = new Set(rows.map((r) => r.id));
      // The deletes of the replay are not events: nothing but outbox rows is on the topic.
      expect(reader2.records.filter((r) => !ids.has(r.headers.id))).toEqual([]);
    } finally {
      await reader2.stop();
    }
  });
});
