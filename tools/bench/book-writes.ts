/** The writes of the pipeline benchmarks (bench/cdc.ts, bench/consume.ts): steady POST /books, and a backlog written straight into the database. */
import { randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'pg';
import type { NewBook } from '../../service/src/contract/book-schema';
import { ADD_BOOK } from '../../service/src/api/books/statements';
import { bindPositional } from '../stack/bind';
import { percentile } from '../stack/percentile';

/** The i-th book a benchmark writes. */
export type BenchBook = (i: number) => NewBook;

export const benchBook: BenchBook = (i) => ({ title: `Bench ${i}`, author: 'Bench author', price: 12.34 });

/**
 * Keep-alive connections, at most BENCH_HTTP_CONNECTIONS (64) at once; further writes queue
 * here, in the client. Global fetch would open a new connection for every write waiting on one,
 * thousands at 1,000 writes/s, until this process runs out of file descriptors.
 */
const agent = new Agent({ keepAlive: true, maxSockets: Number(process.env.BENCH_HTTP_CONNECTIONS ?? 64) });

function post(url: string, book: ReturnType<BenchBook>): Promise<number> {
  const body = JSON.stringify(book);
  return new Promise((resolve, reject) => {
    const req = request(`${url}/books`, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if (res.statusCode !== 201) reject(new Error(`POST /books: ${res.statusCode} ${text}`));
        else resolve((JSON.parse(text) as { id: number }).id);
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Fires POST /books at `rate`/s for `secs` s (open loop); calls `committed(id, at)` as each 201
 * arrives (the service answers right after COMMIT). A write that is not a 201 (a 503 when the
 * machine cannot keep up) is counted, not fatal: `failed` and the first `error` say so.
 */
export async function steadyWrites(url: string, rate: number, secs: number, committed: (id: string, at: number) => void,
  book: BenchBook = benchBook): Promise<{ achieved: number; late: number; failed: number; error?: string }> {
  const total = rate * secs;
  const interval = 1000 / rate;
  const start = performance.now();
  const inFlight: Promise<void>[] = [];
  let late = 0;
  let failed = 0;
  let error: string | undefined;
  for (let i = 0; i < total; i++) {
    const wait = start + i * interval - performance.now();
    if (wait > 1) await sleep(wait);
    else if (wait < -interval) late++;
    inFlight.push(post(url, book(i)).then((id) => committed(String(id), performance.now()), (e: unknown) => {
      failed++;
      error ??= e instanceof Error ? e.message.slice(0, 200) : String(e);
    }));
  }
  await Promise.all(inFlight);
  return { achieved: total / ((performance.now() - start) / 1000), late, failed, error };
}

/** The line a benchmark prints about its steady writes. */
export function writesSummary(rate: number, seconds: number, warmupSeconds: number, w: { achieved: number; late: number; failed: number; error?: string }): string {
  return `at ${rate} writes/s for ${seconds} s after ${warmupSeconds} s warm-up (achieved ${w.achieved.toFixed(0)} writes/s, ${w.late} sends started late` +
    (w.failed ? `, ${w.failed} writes FAILED, first: ${w.error}` : '') + ')';
}

/**
 * Writes `count` books and their events with the service's own statement (book + event in one
 * statement, every named bind made positional), one per transaction over 16 connections.
 * Returns the seconds it took.
 */
export async function writeBacklog(appUrl: string, count: number, book: BenchBook = (i) => ({ ...benchBook(i), title: `Backlog ${i}` })): Promise<number> {
  const pool = new Pool({ connectionString: appUrl, max: 16 });
  const started = performance.now();
  let next = 0;
  try {
    await Promise.all(Array.from({ length: 16 }, async () => {
      while (next < count) {
        const { text, values } = bindPositional(ADD_BOOK, { ...book(next++), eventId: randomUUID(), traceparent: null });
        await pool.query(text, values);
      }
    }));
  } finally {
    await pool.end();
  }
  return (performance.now() - started) / 1000;
}

/** `p50 … p95 … p99 … max …` of latencies in ms. */
export function latencySummary(latencies: number[]): string {
  const sorted = [...latencies].sort((a, b) => a - b);
  const f = (ms: number) => `${ms.toFixed(1)} ms`;
  return `p50 ${f(percentile(sorted, 50))}   p95 ${f(percentile(sorted, 95))}   p99 ${f(percentile(sorted, 99))}   max ${f(sorted[sorted.length - 1])}`;
}
