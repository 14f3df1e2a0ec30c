import { bindInline, bindPositional, placeholders, sqlLiteral } from '../stack/bind';

describe('binding named parameters', () => {
  const sql = 'INSERT INTO t (a, b) SELECT $first, $second WHERE $first IS NOT NULL';

  it('lists each placeholder once, in order of first appearance', () => {
    expect(placeholders(sql)).toEqual(['first', 'second']);
    expect(placeholders('SELECT $1, now()')).toEqual([]);
  });

  it('makes every occurrence positional, not only the first', () => {
    expect(bindPositional(sql, { second: 2, first: 'x' })).toEqual({
      text: 'INSERT INTO t (a, b) SELECT $1, $2 WHERE $1 IS NOT NULL',
      values: ['x', 2],
    });
  });

  it('inlines an expression at every occurrence', () => {
    expect(bindInline(sql, { first: sqlLiteral("O'Brien"), second: 'NULL' })).toBe(
      "INSERT INTO t (a, b) SELECT 'O''Brien', NULL WHERE 'O''Brien' IS NOT NULL",
    );
  });

  it('fails when a placeholder is left unbound', () => {
    expect(() => bindPositional(sql, { first: 1 })).toThrow(/unbound parameter\(s\) \$second/);
    expect(() => bindInline(sql, { second: '1' })).toThrow(/unbound parameter\(s\) \$first/);
  });

  it('fails when a value matches no placeholder (a misspelt name)', () => {
    expect(() => bindPositional(sql, { first: 1, second: 2, thrid: 3 })).toThrow(/value\(s\) for no parameter: thrid/);
  });

  it('does not mistake an inlined value for a placeholder', () => {
    expect(bindInline('SELECT $a, $b', { a: sqlLiteral('$b'), b: '2' })).toBe("SELECT '$b', 2");
  });
});
