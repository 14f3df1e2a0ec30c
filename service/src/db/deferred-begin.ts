import { Client, Query, QueryResult } from 'pg';

/** What is sent for a held BEGIN before a statement that cannot travel with it; what Sequelize sends to end a transaction. */
const BEGIN = 'START TRANSACTION;';
const HOLD = Symbol('hold BEGIN');
const ENDS = new Set(['COMMIT;', 'ROLLBACK;']);

type Callback = (error: Error | null, result?: unknown) => void;

/** pg's Connection, as far as this module writes to it (Parse/Bind/Execute messages). */
interface Wire {
  parse(message: { text: string }): void;
  bind(message: Record<string, never>): void;
  execute(message: Record<string, never>): void;
}

const emptyResult = (command: string): Partial<QueryResult> => ({ command, rowCount: null, rows: [], fields: [] });

/**
 * A Sequelize managed transaction costs three round trips: START TRANSACTION, the
 * statement, COMMIT. On a client patched here, holdBegin() opens the transaction instead
 * (sequelize.ts calls it where Sequelize would send START TRANSACTION): BEGIN is held back
 * and written together with the transaction's first statement, in one socket write and one
 * round trip: BEGIN's Parse/Bind/Execute, then the statement's, then one Sync. PostgreSQL runs
 * them in order, so the transaction is exactly what it was: the statement fails or
 * succeeds inside it, and Sequelize still commits or rolls it back as before.
 *
 * Only a statement with bind parameters travels with BEGIN (the extended protocol takes
 * one statement per Parse); before any other statement BEGIN is sent on its own first.
 * A transaction that ends while BEGIN is still held back sends nothing: it did nothing.
 */
export function deferBegin(client: Client): void {
  const send = client.query.bind(client) as (text: unknown, values?: unknown, callback?: Callback) => unknown;
  let held = false;
  const patched = (text: unknown, values?: unknown, callback?: Callback): unknown => {
    if (typeof text !== 'string') return send(text, values, callback);
    const done = typeof values === 'function' ? (values as Callback) : callback;
    const params = typeof values === 'function' ? undefined : (values as unknown[] | undefined);
    if (!done) return send(text, params);
    if (!held) return send(text, params, done);
    held = false;
    if (ENDS.has(text)) {
      done(null, emptyResult(text.slice(0, -1)));
      return undefined;
    }
    if (!params?.length) {
      return send(BEGIN, (error: Error | null) => (error ? done(error) : send(text, params, done)));
    }
    // pg hands a multi-statement result as an array: BEGIN's, then the statement's.
    const query = new Query({ text, values: params }, (error: Error | undefined, result: unknown) =>
      done(error ?? null, Array.isArray(result) ? result[result.length - 1] : result));
    const prepare = (query as unknown as { prepare(c: Wire): void }).prepare;
    (query as unknown as { prepare(c: Wire): void }).prepare = function (this: unknown, connection: Wire) {
      connection.parse({ text: 'BEGIN' });
      connection.bind({});
      connection.execute({});
      prepare.call(this, connection);
    };
    return send(query);
  };
  (client as unknown as { query: typeof patched }).query = patched;
  (client as unknown as { [HOLD]: () => void })[HOLD] = () => {
    held = true;
  };
}

/** Opens a transaction on a client patched by deferBegin (BEGIN goes with the next statement); false on any other client. */
export function holdBegin(client: unknown): boolean {
  const hold = (client as { [HOLD]?: () => void } | undefined)?.[HOLD];
  hold?.();
  return hold !== undefined;
}
