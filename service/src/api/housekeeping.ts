import { QueryTypes, Sequelize } from 'sequelize';
import { Logger } from '../shared/logger';

/** Rows of `table` whose `time` column is older than an age, oldest first. */
export interface ExpiringRows {
  table: string;
  key: string;
  /** The time column, and "now" in the same time zone convention. */
  time: string;
  now: string;
}

/**
 * Deletes the rows older than `ageSeconds` in batches of `batch`, so no long lock or huge
 * transaction builds up; returns how many. No FOR UPDATE: it would need UPDATE privilege,
 * which the service role does not have on outbox.
 */
export async function deleteInBatches(sequelize: Sequelize, { table, key, time, now }: ExpiringRows, ageSeconds: number, batch: number): Promise<number> {
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

/**
 * Runs `task` every `intervalSeconds` (never two at once) and logs what it deleted;
 * a failure is logged and retried at the next tick. Returns a function that stops it.
 */
export function every(name: string, intervalSeconds: number, task: () => Promise<number>, logger: Logger): () => Promise<void> {
  let running: Promise<void> | undefined;
  const run = async () => {
    try {
      const deleted = await task();
      if (deleted) logger.info({ [name]: deleted }, 'housekeeping deleted expired rows');
    } catch (error) {
      logger.warn({ err: error, task: name }, 'housekeeping failed; will retry');
    }
  };
  const timer = setInterval(() => {
    running ??= run().finally(() => (running = undefined));
  }, intervalSeconds * 1000);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
