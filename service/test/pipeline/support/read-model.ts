import { Client } from 'pg';
import { withClient } from '../../../../tools/stack/database';
import { pollUntil } from '../../../../tools/stack/processes';
import { Stack } from '../../../../tools/stack/stack';

export interface CatalogState {
  /** id, title, author, price (exact text), by id. */
  books: Array<[number, string, string, string]>;
  /** author, books, total price (exact text), by author. */
  stats: Array<[string, number, string]>;
}

const BOOKS = 'SELECT id, title, author, price::text FROM %s ORDER BY id';
const rowsOf = async (db: Client, sql: string): Promise<any[]> => (await db.query({ text: sql, rowMode: 'array' })).rows;

/** The read model as the consumer keeps it. */
export function readModel(stack: Stack): Promise<CatalogState & { inbox: number }> {
  return withClient(stack.catalog.adminUrl, async (db) => ({
    books: await rowsOf(db, BOOKS.replace('%s', 'catalog_books')),
    stats: await rowsOf(db, 'SELECT author, books, total_price::text FROM author_stats ORDER BY author COLLATE "C"'),
    inbox: Number((await db.query('SELECT count(*) FROM inbox')).rows[0].count),
  }));
}

/** What the read model must become: the books table, and its aggregate per author. */
export function truth(stack: Stack): Promise<CatalogState> {
  return withClient(stack.database.adminUrl, async (db) => ({
    books: await rowsOf(db, BOOKS.replace('%s', 'books')),
    stats: await rowsOf(db, 'SELECT author, count(*)::int, sum(price)::text FROM books GROUP BY author ORDER BY author COLLATE "C"'),
  }));
}

/** Until the read model equals the truth (books and stats) and holds `inbox` event ids, if given; the last states on timeout. */
export async function waitForReadModel(stack: Stack, options: { inbox?: number; timeoutMs?: number } = {}): Promise<CatalogState & { inbox: number }> {
  let last: { model?: CatalogState & { inbox: number }; expected?: CatalogState } = {};
  const { value } = await pollUntil(options.timeoutMs ?? 120_000, async () => {
    const [model, expected] = await Promise.all([readModel(stack), truth(stack)]);
    last = { model, expected };
    const same = JSON.stringify([model.books, model.stats]) === JSON.stringify([expected.books, expected.stats]);
    return same && (options.inbox === undefined || model.inbox === options.inbox) ? model : undefined;
  }, { intervalMs: 250 });
  if (!value) {
    const { model, expected } = last;
    throw new Error(`the read model did not converge: ${model?.books.length} catalog books vs ${expected?.books.length} books, ` +
      `${model?.inbox} inbox rows (want ${options.inbox ?? 'any'}); stats ${JSON.stringify(model?.stats.slice(0, 5))} vs ${JSON.stringify(expected?.stats.slice(0, 5))}`);
  }
  return value;
}

/** The consumer's /metrics as `name{labels}` → value. */
export async function consumerMetrics(stack: Stack): Promise<Map<string, number>> {
  const text = await (await fetch(`${stack.consumer!.url}/metrics`)).text();
  return new Map(text.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => {
    const at = l.lastIndexOf(' ');
    return [l.slice(0, at), Number(l.slice(at + 1))] as [string, number];
  }));
}

/** Sum of the series of one metric (all label values). */
export function total(metrics: Map<string, number>, name: string): number {
  return [...metrics].filter(([series]) => series === name || series.startsWith(`${name}{`)).reduce((sum, [, v]) => sum + v, 0);
}
