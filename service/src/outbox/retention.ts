import { QueryTypes, Sequelize } from 'sequelize';
import { Logger } from '../logger';

export interface RetentionSettings {
  retentionSeconds: number;
  cleanupIntervalSeconds: number;
  cleanupBatchSize: number;
  idempotencyKeyTtlSeconds: number;
}

/** Deletes rows older than `ageSeconds` in batches, so no long lock or huge transaction builds up. */
interface Expiring {
  table: string;
  key: string;
  /** The time column and "now" in the same time zone convention. */
  time: string;
  now: string;
}

const OUTBOX: Expiring = { table: 'outbox', key: 'id', time: 'occurred_at', now: "(now() AT TIME ZONE 'UTC')" };
const IDEMPOTENCY_KEYS: Expiring = { table: 'idempotency_keys', key: 'key', time: 'created_at', now: 'now()' };

// No FOR UPDATE: it would need UPDATE privilege, which the service role does not have on outbox.
async function deleteInBatches(sequelize: Sequelize, { table, key, time, now }: Expiring, ageSeconds: number, batch: number): Promise<number> {
  let total = 0;
  for (;;) {
    const rows = await sequelize.query<{ n: number }>(
      `WITH doomed AS (
         SELECT ${key} FROM ${table} WHERE ${time} < ${now} - make_interval(secs => $age)
          ORDER BY ${time} LIMIT $batch)
       , gone AS (DELETE FROM ${table} t USING doomed WHERE t.${key} = doomed.${key} RETURNING 1)
       SELECT count(*)::int AS n FROM gone`,
      { bind: { age: ageSeconds, batch }, type: QueryTypes.SELECT },
    );
    const n = rows[0]?.n ?? 0;
    total += n;
    if (n < batch) return total;
  }
}

/** One pass: outbox rows past retention (when rows are kept) and expired idempotency keys. */
export async function deleteExpired(sequelize: Sequelize, settings: RetentionSettings): Promise<{ outbox: number; idempotencyKeys: number }> {
  const outbox = settings.retentionSeconds > 0
    ? await deleteInBatches(sequelize, OUTBOX, settings.retentionSeconds, settings.cleanupBatchSize)
    : 0;
  const idempotencyKeys = await deleteInBatches(sequelize, IDEMPOTENCY_KEYS, settings.idempotencyKeyTtlSeconds, settings.cleanupBatchSize);
  return { outbox, idempotencyKeys };
}

/** Runs deleteExpired every cleanupIntervalSeconds; returns a function that stops it. */
export function startHousekeeping(sequelize: Sequelize, settings: RetentionSettings, logger: Logger): () => Promise<void> {
  let running: Promise<void> | undefined;
  const run = async () => {
    try {
      const deleted = await deleteExpired(sequelize, settings);
      if (deleted.outbox || deleted.idempotencyKeys) logger.info(deleted, 'housekeeping deleted expired rows');
    } catch (error) {
      logger.warn({ err: error }, 'housekeeping failed; will retry');
    }
  };
  const timer = setInterval(() => {
    running ??= run().finally(() => (running = undefined));
  }, settings.cleanupIntervalSeconds * 1000);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
