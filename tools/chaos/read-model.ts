/**
 * The fourth ledger of a run: the book-catalog consumer's read model, reconciled against
 * the committed changes (outbox) and the books table. Pure: reading it is in ledgers.ts.
 */
import { toCents } from '../../service/src/consumer/money';
import type { BookRow, DatabaseLedger, ReadModelLedger } from './ledgers';

export interface ReadModelReconciliation {
  /** Committed events in the inbox: applied to the read model. */
  eventsApplied: number;
  /** Committed event ids (outbox) not in the inbox. */
  readModelMissing: number;
  /** Inbox ids with no outbox row. */
  readModelUnexplained: number;
  /** Inbox rows beyond the first of their event id. */
  doubleApplied: number;
  /** Book ids whose presence, title, author or price differ between books and catalog_books. */
  catalogMismatched: number;
  /** Authors whose book count or total price in author_stats differ from the aggregate of books. */
  statsMismatched: number;
}

type Note = (kind: string, detail: string) => void;

/** Every committed change applied exactly once, and the read model's tables equal to what books says. */
export function reconcileReadModel(database: DatabaseLedger, readModel: ReadModelLedger, note: Note): ReadModelReconciliation {
  const committed = new Set(database.outbox.map((r) => r.id));
  const held = new Map<string, number>();
  for (const id of readModel.inbox) held.set(id, (held.get(id) ?? 0) + 1);
  const missing = [...committed].filter((id) => !held.has(id));
  for (const id of missing) note('read model missing', `event ${id} is not in the inbox`);
  const unexplained = [...held.keys()].filter((id) => !committed.has(id));
  for (const id of unexplained) note('read model unexplained', `inbox event ${id} has no outbox row`);
  let doubleApplied = 0;
  for (const [id, n] of held) {
    if (n < 2) continue;
    doubleApplied += n - 1;
    note('double-applied', `event ${id} is in the inbox ${n} times`);
  }

  const catalog = new Map(readModel.catalogBooks.map((b) => [b.id, b]));
  const books = new Map(readModel.books.map((b) => [b.id, b]));
  let catalogMismatched = 0;
  for (const id of new Set([...books.keys(), ...catalog.keys()])) {
    const [want, got] = [books.get(id), catalog.get(id)];
    if (want && got && want.title === got.title && want.author === got.author && toCents(want.price) === toCents(got.price)) continue;
    catalogMismatched++;
    note('catalog_books', `book ${id}: books ${describe(want)}, catalog_books ${describe(got)}`);
  }

  const expected = new Map<string, { books: number; cents: bigint }>();
  for (const b of readModel.books) {
    const stats = expected.get(b.author) ?? { books: 0, cents: 0n };
    stats.books++;
    stats.cents += toCents(b.price);
    expected.set(b.author, stats);
  }
  const actual = new Map(readModel.authorStats.map((s) => [s.author, { books: s.books, cents: toCents(s.totalPrice) }]));
  let statsMismatched = 0;
  for (const author of new Set([...expected.keys(), ...actual.keys()])) {
    // An author with no books may be absent or a 0/0 row: the same.
    const [want, got] = [expected.get(author) ?? { books: 0, cents: 0n }, actual.get(author) ?? { books: 0, cents: 0n }];
    if (want.books === got.books && want.cents === got.cents) continue;
    statsMismatched++;
    note('author_stats', `${author}: ${got.books} books, ${got.cents} cents; books says ${want.books}, ${want.cents} cents`);
  }

  return {
    eventsApplied: [...committed].filter((id) => held.has(id)).length,
    readModelMissing: missing.length,
    readModelUnexplained: unexplained.length,
    doubleApplied,
    catalogMismatched,
    statsMismatched,
  };
}

function describe(book: BookRow | undefined): string {
  return book ? JSON.stringify({ title: book.title, author: book.author, price: book.price }) : 'absent';
}

/** The read-model counts that must be 0, for failures(). */
export function readModelFailures(r: ReadModelReconciliation): Array<[string, number]> {
  return [
    ['committed events not in the read model', r.readModelMissing],
    ['read-model events with no commit', r.readModelUnexplained],
    ['events applied twice to the read model', r.doubleApplied],
    ['catalog_books rows differing from books', r.catalogMismatched],
    ['author_stats rows differing from books', r.statsMismatched],
  ];
}

/** One line: `read model: N events applied, 0 missing, 0 double-applied, author stats match`. */
export function formatReadModel(r: ReadModelReconciliation): string {
  const parts = [`${r.eventsApplied} events applied`, `${r.readModelMissing} missing`, `${r.readModelUnexplained} unexplained`, `${r.doubleApplied} double-applied`];
  parts.push(r.catalogMismatched ? `${r.catalogMismatched} catalog_books mismatches` : 'catalog_books matches books');
  parts.push(r.statsMismatched ? `${r.statsMismatched} author stats mismatches` : 'author stats match');
  return `read model: ${parts.join(', ')}`;
}
