import { Client } from 'pg';

export interface OutboxRow {
  id: string;
  aggregateid: string;
  type: string;
  payload: unknown;
}

/** Every outbox row: the committed events, which the topic must carry (retention keeps them for an hour by default). */
export async function outboxRows(adminUrl: string): Promise<OutboxRow[]> {
  const db = new Client({ connectionString: adminUrl });
  await db.connect();
  try {
    return (await db.query('SELECT id::text, aggregateid, type, payload FROM outbox')).rows;
  } finally {
    await db.end();
  }
}
