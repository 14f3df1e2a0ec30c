/**
 * A steady, mixed write load against the book service that keeps the client's ledger:
 * what was acknowledged, what was rejected, and what the client cannot know (the
 * connection was cut or the service answered 5xx) — those are resolved later from the
 * database, never guessed. Used by the chaos and soak runs and the pipeline tests.
 */
import { StopWaiting, waitFor } from '../stack/processes';

/** mulberry32: a small seeded PRNG, so a run's choices and fault schedule repeat with its seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type EventType = 'BookAdded' | 'BookDeleted';

/** A write whose commit the client knows (acknowledged) or must look up (unknown). */
export interface ClientWrite {
  type: EventType;
  /** Unique per add: how an add whose response was lost is found in the database. */
  title?: string;
  /** Known for every delete and for acknowledged adds. */
  bookId?: number;
  outcome: 'acknowledged' | 'unknown';
  /** For unknown outcomes: what the client saw (status or error code). */
  detail?: string;
}

/** A deliberately invalid request; `marker` is in its body where it has one, so the database can be searched for it. */
export interface InvalidRequest {
  kind: string;
  marker?: string;
  /** Absent-book deletes: the id, which must get no BookDeleted. */
  bookId?: number;
  status?: number;
  outcome: 'rejected' | 'unknown' | 'wrongly-accepted';
  /** For unknown outcomes: what the client saw. */
  detail?: string;
}

export interface LoadOptions {
  serviceUrl: () => string;
  clients: number;
  /** Requests per second over all clients (a target; outages slow it down). Infinity: each client sends as soon as its last answer came. */
  rate: number;
  /** Share of requests that are deliberately invalid (0..1). */
  invalidShare: number;
  /** Share of valid requests that delete one of the client's live books (0..1). */
  deleteShare: number;
  seed: number;
  /** Distinguishes this run's rows from any other. */
  runId: string;
  requestTimeoutMs?: number;
}

export interface LoadLedger {
  writes: ClientWrite[];
  invalid: InvalidRequest[];
  /** Valid requests answered with a 4xx: the service rejected what it should have accepted. */
  wronglyRejected: string[];
  requests: number;
}

// Far above any id this run's sequence reaches, below MAX_BOOK_ID: a well-formed id of an absent book.
const ABSENT_ID = 2_000_000_000;

interface Attempt {
  status?: number;
  /** The request may have reached the service and its outcome is not known. */
  unknown?: string;
  body?: unknown;
}

async function send(url: string, init: RequestInit, timeoutMs: number): Promise<Attempt> {
  try {
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    const text = await response.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = text;
    }
    if (response.status >= 500) return { status: response.status, unknown: `HTTP ${response.status}`, body };
    return { status: response.status, body };
  } catch (error) {
    const e = error as { cause?: { code?: string }; name?: string; message?: string };
    return { unknown: e.cause?.code ?? e.name ?? String(error) };
  }
}

/** Runs `clients` loops until stop(); each client owns the books it added and is the only one deleting them. */
export class WriteLoad {
  readonly ledger: LoadLedger = { writes: [], invalid: [], wronglyRejected: [], requests: 0 };
  private running = true;
  private done?: Promise<void>;

  constructor(private readonly o: LoadOptions) {}

  start(): this {
    this.done = Promise.all(Array.from({ length: this.o.clients }, (_, c) => this.client(c))).then(() => undefined);
    return this;
  }

  async stop(): Promise<LoadLedger> {
    this.running = false;
    await this.done;
    return this.ledger;
  }

  /** Writes acknowledged (201/204) so far. */
  acknowledged(): number {
    return this.ledger.writes.filter((w) => w.outcome === 'acknowledged').length;
  }

  /** Until `count` writes have been acknowledged; fails after `timeoutMs` or if the load has stopped. */
  async untilAcknowledged(count: number, timeoutMs = 300_000): Promise<void> {
    await waitFor(`${count} acknowledged writes`, timeoutMs, () => {
      if (!this.running) throw new StopWaiting('the load has stopped');
      return this.acknowledged() >= count;
    }, { intervalMs: 50, detail: () => this.summary() });
  }

  /** Failed requests: those without an answer the client can trust (writes and invalid ones), and valid requests rejected. None when nothing was broken meanwhile. */
  failures(): string[] {
    return [
      ...this.ledger.writes.filter((w) => w.outcome === 'unknown').map((w) => `${w.type} ${w.title ?? w.bookId}: ${w.detail}`),
      ...this.ledger.invalid.filter((r) => r.outcome === 'unknown').map((r) => `invalid request (${r.kind}): ${r.detail}`),
      ...this.ledger.wronglyRejected,
    ];
  }

  /** Counts so far, for progress lines. */
  summary(): string {
    const w = this.ledger.writes;
    const acked = this.acknowledged();
    return `${this.ledger.requests} requests, ${acked} acknowledged, ${w.length - acked} unknown, ${this.ledger.invalid.length} invalid`;
  }

  private async client(c: number): Promise<void> {
    const random = prng(this.o.seed * 1000 + c + 1);
    const timeout = this.o.requestTimeoutMs ?? 10_000;
    const interval = (1000 * this.o.clients) / this.o.rate;
    const live: number[] = [];
    let next = Date.now() + random() * interval;
    for (let seq = 0; this.running; seq++) {
      const wait = next - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      // Steady: the schedule does not speed up to catch up after an outage.
      next = Math.max(next + interval, Date.now());
      if (!this.running) break;
      this.ledger.requests++;
      const base = this.o.serviceUrl();
      const tag = `${this.o.runId}:${c}:${seq}`;
      let failedToReach = false;
      if (random() < this.o.invalidShare) {
        failedToReach = await this.invalid(base, tag, random, timeout);
      } else if (live.length && random() < this.o.deleteShare) {
        const id = live.splice(Math.floor(random() * live.length), 1)[0];
        const a = await send(`${base}/books/${id}`, { method: 'DELETE' }, timeout);
        if (a.status === 204) this.ledger.writes.push({ type: 'BookDeleted', bookId: id, outcome: 'acknowledged' });
        else if (a.unknown) {
          // The book leaves this client's hands either way: it is never deleted twice.
          this.ledger.writes.push({ type: 'BookDeleted', bookId: id, outcome: 'unknown', detail: a.unknown });
          failedToReach = true;
        } else this.ledger.wronglyRejected.push(`DELETE /books/${id} -> ${a.status}`);
      } else {
        const title = `chaos ${tag}`;
        const price = Math.round(100 + random() * 9900) / 100;
        const a = await send(`${base}/books`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ title, author: `client ${c}`, price }),
        }, timeout);
        if (a.status === 201) {
          const id = (a.body as { id: number }).id;
          live.push(id);
          this.ledger.writes.push({ type: 'BookAdded', title, bookId: id, outcome: 'acknowledged' });
        } else if (a.unknown) {
          this.ledger.writes.push({ type: 'BookAdded', title, outcome: 'unknown', detail: a.unknown });
          failedToReach = true;
        } else this.ledger.wronglyRejected.push(`POST /books "${title}" -> ${a.status}`);
      }
      // Back off a little while something is down, instead of spinning on refused connections.
      if (failedToReach) next = Math.max(next, Date.now() + 250);
    }
  }

  /** One of several invalid requests; returns true when it could not be answered. */
  private async invalid(base: string, tag: string, random: () => number, timeout: number): Promise<boolean> {
    const marker = `invalid ${tag}`;
    const json = { 'content-type': 'application/json' };
    const kinds: Array<[string, () => Promise<Attempt>, Partial<InvalidRequest>]> = [
      ['empty title', () => send(`${base}/books`, { method: 'POST', headers: json, body: JSON.stringify({ title: ' ', author: marker, price: 10 }) }, timeout), { marker }],
      ['negative price', () => send(`${base}/books`, { method: 'POST', headers: json, body: JSON.stringify({ title: marker, author: marker, price: -1 }) }, timeout), { marker }],
      ['three decimals', () => send(`${base}/books`, { method: 'POST', headers: json, body: JSON.stringify({ title: marker, author: marker, price: 1.005 }) }, timeout), { marker }],
      ['malformed JSON', () => send(`${base}/books`, { method: 'POST', headers: json, body: `{"title":"${marker}","author":` }, timeout), { marker }],
      ['not JSON', () => send(`${base}/books`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: `title=${marker}` }, timeout), { marker }],
      ['delete absent book', () => send(`${base}/books/${ABSENT_ID}`, { method: 'DELETE' }, timeout), { bookId: ABSENT_ID }],
      ['bad id', () => send(`${base}/books/not-an-id`, { method: 'DELETE' }, timeout), {}],
    ];
    const [kind, request, extra] = kinds[Math.floor(random() * kinds.length)];
    const a = await request();
    const outcome = a.unknown ? 'unknown' : a.status! >= 400 && a.status! < 500 ? 'rejected' : 'wrongly-accepted';
    this.ledger.invalid.push({ kind, ...extra, status: a.status, outcome, ...(a.unknown ? { detail: a.unknown } : {}) });
    return !!a.unknown;
  }
}
