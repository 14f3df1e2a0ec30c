/**
 * Named bind parameters (`$title`) of a SQL statement, and two ways to bind ALL of them
 * for clients other than Sequelize (which binds `$name` itself): positional `$1…$n` for
 * node-postgres, or SQL expressions inline (pgbench scripts). Both fail when a
 * placeholder is left unbound or a value matches no placeholder, so a statement can never
 * run half-bound.
 */
const PLACEHOLDER = /\$([A-Za-z_][A-Za-z0-9_]*)/g;

/** The distinct `$name` placeholders, in order of first appearance. */
export function placeholders(sql: string): string[] {
  return [...new Set([...sql.matchAll(PLACEHOLDER)].map((m) => m[1]))];
}

function bind(sql: string, names: string[], to: (name: string) => string): string {
  const wanted = placeholders(sql);
  const unbound = wanted.filter((name) => !names.includes(name));
  const unused = names.filter((name) => !wanted.includes(name));
  if (unbound.length || unused.length) {
    throw new Error(
      [unbound.length ? `unbound parameter(s) ${unbound.map((n) => `$${n}`).join(', ')}` : '',
        unused.length ? `value(s) for no parameter: ${unused.join(', ')}` : ''].filter(Boolean).join('; ') + ` in:\n${sql}`,
    );
  }
  return sql.replace(PLACEHOLDER, (_, name: string) => to(name));
}

/** Every `$name` as `$1…$n` (one number per name, however often it occurs) with the values in that order. */
export function bindPositional(sql: string, values: Record<string, unknown>): { text: string; values: unknown[] } {
  const order = placeholders(sql);
  const text = bind(sql, Object.keys(values), (name) => `$${order.indexOf(name) + 1}`);
  return { text, values: order.map((name) => values[name]) };
}

/** Every `$name` replaced by the SQL expression given for it (e.g. a quoted literal, NULL, gen_random_uuid()). */
export function bindInline(sql: string, expressions: Record<string, string>): string {
  return bind(sql, Object.keys(expressions), (name) => expressions[name]);
}

/** A SQL string literal. */
export function sqlLiteral(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}
