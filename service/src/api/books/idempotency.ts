import { createHash } from 'node:crypto';
import { QueryTypes, Sequelize, Transaction } from 'sequelize';
import { deleteInBatches, every, ExpiringRows } from '../housekeeping';
import { Logger } from '../../shared/logger';
import { NewBook } from '../../contract/book-schema';

export interface StoredResponse {
  status: number;
  body: unknown;
}

export class IdempotencyKeyReused extends Error {
  constructor() {
    super('This Idempotency-Key was already used with a different request body');
  }
}

/** Every field of NewBook, in the schema's order: a field added there is part of the hash. */
const HASHED_FIELDS = Object.keys(NewBook.properties) as Array<keyof NewBook>;

/**
 * Hash of the normalised request, so a retry with equivalent JSON matches. Absent fields at
 * the end are left out: a field added to NewBook later (optional, appended) keeps the hash of
 * a request without it equal to the one its key already stored.
 */
export function requestHash(book: NewBook): string {
  const values = HASHED_FIELDS.map((field) => book[field] ?? null);
  while (values.length && values[values.length - 1] === null) values.pop();
  return createHash('sha256').update(JSON.stringify(values)).digest('hex');
}

/**
 * Claims `key` inside the transaction. A concurrent claim of the same key waits
 * on the primary key until the first transaction ends, then sees its outcome.
 * Returns the stored response for a replay, or undefined when this request owns the key.
 */
export async function claimKey(sequelize: Sequelize, t: Transaction, key: string, hash: string): Promise<StoredResponse | undefined> {
  const claimed = await sequelize.query(
    `INSERT INTO idempotency_keys (key, request_hash) VALUES ($key, $hash) ON CONFLICT (key) DO NOTHING RETURNING key`,
    { bind: { key, hash }, transaction: t, type: QueryTypes.SELECT },
  );
  if (claimed.length) return undefined;
  const [previous] = await sequelize.query<{ request_hash: string; status: number; body: unknown }>(
    'SELECT request_hash, status, body FROM idempotency_keys WHERE key = $key',
    { bind: { key }, transaction: t, type: QueryTypes.SELECT },
  );
  if (!previous || previous.request_hash !== hash) throw new IdempotencyKeyReused();
  return { status: previous.status, body: previous.body };
}

export async function storeResponse(sequelize: Sequelize, t: Transaction, key: string, response: StoredResponse): Promise<void> {
  await sequelize.query('UPDATE idempotency_keys SET status = $status, body = $body WHERE key = $key', {
    bind: { key, status: response.status, body: JSON.stringify(response.body) },
    transaction: t,
  });
}

/** How long idempotency keys are kept, and how they are expired. */
export interface KeyExpiry {
  keyTtlSeconds: number;
  cleanupIntervalSeconds: number;
  cleanupBatchSize: number;
}

const KEYS: ExpiringRows = { table: 'idempotency_keys', key: 'key', time: 'created_at', now: 'now()' };

/** One pass: deletes the keys older than their TTL; returns how many. */
export function deleteExpiredKeys(sequelize: Sequelize, expiry: KeyExpiry): Promise<number> {
  return deleteInBatches(sequelize, KEYS, expiry.keyTtlSeconds, expiry.cleanupBatchSize);
}

/** Runs deleteExpiredKeys every cleanupIntervalSeconds; returns a function that stops it. */
export function startKeyExpiry(sequelize: Sequelize, expiry: KeyExpiry, logger: Logger): () => Promise<void> {
  return every('idempotencyKeys', expiry.cleanupIntervalSeconds, () => deleteExpiredKeys(sequelize, expiry), logger);
}
