import { randomUUID } from 'node:crypto';
import { QueryTypes, Sequelize, Transaction } from 'sequelize';
import { deleteInBatches, every, ExpiringRows } from '../housekeeping';
import { Logger } from '../../shared/logger';

/** How long outbox rows are kept, and the janitor that deletes them afterwards. */
export interface OutboxRetention {
  /** Seconds an outbox row is kept for inspection; 0 deletes it in the writing transaction. */
  retentionSeconds: number;
  cleanupIntervalSeconds: number;
  cleanupBatchSize: number;
}

/** With retention 0 the row is deleted in the writing transaction; the WAL still carries the insert. */
const DELETE_EVENT = 'DELETE FROM outbox WHERE id = $eventId';

const OUTBOX_ROWS: ExpiringRows = { table: 'outbox', key: 'id', time: 'occurred_at', now: "(now() AT TIME ZONE 'UTC')" };

/**
 * The outbox table: appending events with their change, the retention policy, and the
 * janitor. Debezium reads the rows from the WAL; nothing ever updates them.
 */
export class Outbox {
  constructor(
    private readonly sequelize: Sequelize,
    private readonly retention: OutboxRetention,
  ) {}

  /**
   * Runs `statement` in `t`: a change together with the INSERT of its outbox row in one
   * statement, `RETURNING payload` (see books/statements.ts). Binds `bind` plus a
   * fresh $eventId and $traceparent. Returns the event's payload, or undefined when the
   * statement appended no event. With retention 0 the row is deleted again in `t`.
   */
  async append<P>(t: Transaction, statement: string, bind: Record<string, unknown>, traceparent?: string): Promise<P | undefined> {
    const eventId = randomUUID();
    const [event] = await this.sequelize.query<{ payload: P }>(statement, {
      bind: { ...bind, eventId, traceparent: traceparent ?? null },
      transaction: t,
      type: QueryTypes.SELECT,
    });
    if (!event) return undefined;
    if (this.retention.retentionSeconds === 0) {
      await this.sequelize.query(DELETE_EVENT, { bind: { eventId }, transaction: t });
    }
    return event.payload;
  }

  /** One janitor pass: deletes the rows past retention (none to do with retention 0); returns how many. */
  async deleteExpired(): Promise<number> {
    const { retentionSeconds, cleanupBatchSize } = this.retention;
    return retentionSeconds > 0 ? deleteInBatches(this.sequelize, OUTBOX_ROWS, retentionSeconds, cleanupBatchSize) : 0;
  }

  /** Runs deleteExpired every cleanupIntervalSeconds; returns a function that stops it. */
  startJanitor(logger: Logger): () => Promise<void> {
    return every('outbox', this.retention.cleanupIntervalSeconds, () => this.deleteExpired(), logger);
  }
}
