import { Gauge, Registry } from 'prom-client';
import { QueryTypes, Sequelize } from 'sequelize';

/**
 * OUTBOX_HEALTH — the outbox table and its replication slot in one cheap query.
 * Binds: $slot. Returns one row; slot columns are NULL when the slot is missing
 * (slot_active is then 0: a missing slot has no consumer, not the last value scraped).
 */
export const OUTBOX_HEALTH = `
SELECT
  (SELECT n_live_tup FROM pg_stat_user_tables WHERE relname = 'outbox' AND schemaname = current_schema())::float8 AS outbox_rows,
  (SELECT extract(epoch FROM (now() AT TIME ZONE 'UTC') - min(occurred_at)) FROM outbox)::float8 AS outbox_oldest_age,
  (SELECT extract(epoch FROM max(occurred_at)) FROM outbox)::float8 AS outbox_newest_at,
  (SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn) FROM pg_replication_slots WHERE slot_name = $slot)::float8 AS slot_retained,
  coalesce((SELECT active::int FROM pg_replication_slots WHERE slot_name = $slot), 0)::float8 AS slot_active,
  (SELECT wal_status FROM pg_replication_slots WHERE slot_name = $slot) AS slot_wal_status`;

export interface OutboxHealth {
  outbox_rows: number | null;
  outbox_oldest_age: number | null;
  outbox_newest_at: number | null;
  slot_retained: number | null;
  slot_active: number;
  slot_wal_status: string | null;
}

/**
 * The outbox and CDC-slot gauges, read on scrape into `registry`. One query per scrape
 * (at most one a second) feeds them all; while the database is down they keep their
 * last value instead of reporting NaN.
 */
export function registerOutboxGauges(registry: Registry, sequelize: Sequelize, slot: string): void {
  let snapshot: Promise<Partial<OutboxHealth>> | undefined;
  const read = () =>
    (snapshot ??= sequelize
      .query<OutboxHealth>(OUTBOX_HEALTH, { bind: { slot }, type: QueryTypes.SELECT })
      .then(([row]): Partial<OutboxHealth> => row ?? {})
      .catch((): Partial<OutboxHealth> => ({}))
      .finally(() => setTimeout(() => (snapshot = undefined), 1000).unref()));

  const gauge = (name: string, help: string, column: keyof OutboxHealth) =>
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
  gauge('outbox_newest_event_timestamp_seconds', 'Commit time (occurred_at, Unix seconds) of the newest outbox row', 'outbox_newest_at');
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
}
