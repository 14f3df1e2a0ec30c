import { Type } from '@sinclair/typebox';
import { Book, NewBook } from '../../src/contract/book-schema';
import { isMultipleOf, parseParameters, validate } from '../../src/shared/validation';

describe('price decimals', () => {
  it.each([19.99, 0.01, 0.3, 100, 99999999.99, 12345678.9])('accepts %p', (price) => {
    expect(isMultipleOf(price, 0.01)).toBe(true);
  });
  it.each([1.005, 0.001, 19.999, 0.1 + 0.2, Number.NaN, Infinity])('rejects %p', (price) => {
    expect(isMultipleOf(price, 0.01)).toBe(false);
  });
});

describe('NewBook', () => {
  it('accepts a valid book', () => {
    expect(validate(NewBook, { title: 'Miro', author: 'Roqq', price: 100 })).toEqual([]);
  });

  it('names each failing field with a JSON pointer and a readable reason', () => {
    expect(validate(NewBook, { title: 'x'.repeat(256), price: 1.234, extra: 1 })).toEqual(
      expect.arrayContaining([
        { pointer: '#/author', detail: 'is required' },
        { pointer: '#/title', detail: 'must have at most 255 characters' },
        { pointer: '#/price', detail: 'must have at most 2 decimal places' },
        { pointer: '#/extra', detail: 'is not an allowed field' },
      ]),
    );
  });

  it('bounds the price on both sides', () => {
    expect(validate(NewBook, { title: 'a', author: 'b', price: 0 })).toEqual([{ pointer: '#/price', detail: 'must be greater than 0' }]);
    expect(validate(NewBook, { title: 'a', author: 'b', price: 1e8 })).toEqual([{ pointer: '#/price', detail: 'must be less than 100000000' }]);
  });
});

describe('Book', () => {
  it('describes what the API returns', () => {
    expect(validate(Book, { id: 3, title: 'Miro', author: 'Roqq', price: 100 })).toEqual([]);
    expect(validate(Book, { id: 0, title: 'Miro', author: 'Roqq', price: 100 })).not.toEqual([]);
  });
});

describe('title and author', () => {
  const title = NewBook.properties.title;

  it('refuse exactly the strings that trim to nothing, and any U+0000 (every BMP character checked)', () => {
    const disagreements: string[] = [];
    for (let code = 0; code <= 0xffff; code++) {
      if (code >= 0xd800 && code <= 0xdfff) continue;
      const c = String.fromCharCode(code);
      const accepted = validate(title, c).length === 0;
      if (accepted !== (c.trim() !== '' && code !== 0)) disagreements.push(code.toString(16));
    }
    expect(disagreements).toEqual([]);
  });

  it('say why a text is refused', () => {
    expect(validate(NewBook, { title: 'a\u0000b', author: ' \u3000 ', price: 1 })).toEqual([
      { pointer: '#/title', detail: 'must not contain U+0000 (NUL)' },
      { pointer: '#/author', detail: 'must not be empty or only whitespace' },
    ]);
  });

  it('count characters, not UTF-16 units, as PostgreSQL varchar(255) does', () => {
    expect(validate(title, '😀'.repeat(255))).toEqual([]);
    expect(validate(title, '😀'.repeat(256))).toEqual([{ pointer: '#', detail: 'must have at most 255 characters' }]);
  });
});

describe('parameters', () => {
  const query = Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })), name: Type.Optional(Type.String()) });

  it('reads integers from their canonical decimal form only', () => {
    expect(parseParameters(query, 'query', { limit: '25', name: '25', other: 'x' })).toEqual({ value: { limit: 25, name: '25' }, errors: [] });
    for (const limit of ['01', '+5', ' 5', '5 ', '1e2', '0x10', '2.0', '', 'five']) {
      expect(parseParameters(query, 'query', { limit }).errors).toEqual([{ pointer: '#/query/limit', detail: 'must be an integer' }]);
    }
  });

  it('checks the range after reading, and a repeated parameter is not a value', () => {
    expect(parseParameters(query, 'query', { limit: '0' }).errors).toEqual([{ pointer: '#/query/limit', detail: 'must be at least 1' }]);
    expect(parseParameters(query, 'query', { limit: '99999999999999999999' }).errors).toEqual([
      { pointer: '#/query/limit', detail: 'must be at most 1000' },
    ]);
    expect(parseParameters(query, 'query', { limit: ['1', '2'] }).errors).toEqual([{ pointer: '#/query/limit', detail: 'must be an integer' }]);
  });
});
