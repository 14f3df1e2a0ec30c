import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import type { NewBook } from '../../service/src/contract/book-schema';
import { ADD_BOOK } from '../../service/src/api/books/statements';
import { BookStore } from '../../service/src/api/books/book-store';
import { Outbox } from '../../service/src/api/outbox/outbox';
import { createSequelize } from '../../service/src/shared/db/sequelize';
import { bindPositional } from '../stack/bind';

/** One POST /books transaction without the HTTP edge; `close` ends its pool. */
export interface AddBook {
  add(book: NewBook): Promise<unknown>;
  close(): Promise<void>;
}

/** BEGIN, the service's own statement, COMMIT through node-postgres: what any Node.js process doing this transaction pays. */
export function addThroughPg(url: string, poolMax: number): AddBook {
  const pool = new Pool({ connectionString: url, max: poolMax });
  return {
    async add(book) {
      const { text, values } = bindPositional(ADD_BOOK, { ...book, eventId: randomUUID(), traceparent: null });
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const { rows } = await client.query<{ payload: unknown }>(text, values);
        await client.query('COMMIT');
        return rows[0].payload;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}

/** The service's own BookStore.add: Sequelize's managed transaction and the outbox append. */
export function addThroughBookStore(url: string, poolMax: number): AddBook {
  const sequelize = createSequelize({ url, poolMax });
  const store = new BookStore(sequelize, new Outbox(sequelize, { retentionSeconds: 3600, cleanupIntervalSeconds: 60, cleanupBatchSize: 1000 }));
  return { add: async (book) => (await store.add(book)).book, close: () => sequelize.close() };
}
