import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { QueryTypes, Sequelize } from 'sequelize';

export interface HttpMetrics {
  registry: Registry;
  observe(method: string, route: string, status: number, seconds: number): void;
}

/** RED metrics per route, process metrics, and outbox/CDC gauges read on scrape. */
export function createMetrics(sequelize: Sequelize, slot: string): HttpMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });

  // One cheap query per scrape feeds all the database gauges; a scrape while the database is down reports NaN-free gaps.
  type Snapshot = Record<string, number | string | null | undefined>;
  let snapshot: Promise<Snapshot> | undefined;
  const read = () =>
    (snapshot ??= sequelize
      .query<Record<string, number | string | null>>(
        `SELECT
           (SELECT n_live_tup FROM pg_stat_user_tables WHERE relname = 'outbox' AND schemaname = current_schema())::float8 AS outbox_rows,
           (SELECT extract(epoch FROM (now() AT TIME ZONE 'UTC') - min(occurred_at)) FROM outbox)::float8 AS outbox_oldest_age,
           (SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn) FROM pg_replication_slots WHERE slot_name = $slot)::float8 AS slot_retained,
           -- A missing slot has no consumer: 0, not the last value scraped.
           coalesce((SELECT active::int FROM pg_replication_slots WHERE slot_name = $slot), 0)::float8 AS slot_active,
           (SELECT wal_status FROM pg_replication_slots WHERE slot_name = $slot) AS slot_wal_status`,
        { bind: { slot }, type: QueryTypes.SELECT },
      )
      .then(([row]): Snapshot => row ?? {})
      .catch((): Snapshot => ({}))
      .finally(() => setTimeout(() => (snapshot = undefined), 1000).unref()));

  const gauge = (name: string, help: string, column: string) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      async collect() {
        const value = (await read())[column];
        if (value !== null && value !== undefined) this.set(Number(value));
      },
    });
  gauge('outbox_rows', 'Outbox rows kept for inspection (estimate from table statistics)', 'outbox_rows');
  gauge('outbox_oldest_event_age_seconds', 'Age of the oldest outbox row', 'outbox_oldest_age');
  gauge('cdc_slot_retained_wal_bytes', 'WAL retained by the outbox replication slot', 'slot_retained');
  gauge('cdc_slot_active', '1 when a consumer (Debezium) is attached to the outbox slot', 'slot_active');
  new Gauge({
    name: 'cdc_slot_wal_status',
    help: "1 for the outbox slot's pg_replication_slots.wal_status (lost = invalidated by max_slot_wal_keep_size); no sample when the slot is missing",
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      const snap = await read();
      if (!('slot_active' in snap)) return; // database unreachable: keep the last state
      this.reset();
      if (typeof snap.slot_wal_status === 'string') this.set({ status: snap.slot_wal_status }, 1);
    },
  });

  return {
    registry,
    observe(method, route, status, seconds) {
      const labels = { method, route, status: String(status) };
      requests.inc(labels);
      duration.observe(labels, seconds);
    },
  };
}
