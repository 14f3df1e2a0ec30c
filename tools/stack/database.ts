import { Client } from 'pg';
import { bindPositional } from './bind';
import { OUTBOX_HEALTH, OutboxHealth } from '../../service/src/api/outbox/gauges';

/** Runs `work` on a fresh connection to `url`, closed afterwards. */
export async function withClient<T>(url: string, work: (db: Client) => Promise<T>): Promise<T> {
  const db = new Client({ connectionString: url });
  try {
    await db.connect();
    return await work(db);
  } finally {
    await db.end().catch(() => undefined);
  }
}

/** An outbox row as the tools compare it with the topic. */
export interface OutboxRow<Type extends string = string, Payload = unknown> {
  id: string;
  aggregateid: string;
  type: Type;
  payload: Payload;
}

/** Every outbox row: the committed events, which the topic must carry (retention keeps them for an hour by default). */
export async function readOutbox<Type extends string = string, Payload = unknown>(db: Client): Promise<OutboxRow<Type, Payload>[]> {
  return (await db.query('SELECT id::text, aggregateid, type, payload FROM outbox')).rows;
}

/** The same outbox and slot figures the service's gauges report (service/src/api/outbox/gauges.ts), read with the same statement. */
export async function readOutboxHealth(db: Client, slot: string): Promise<OutboxHealth> {
  const { text, values } = bindPositional(OUTBOX_HEALTH, { slot });
  return (await db.query<OutboxHealth>(text, values)).rows[0];
}
