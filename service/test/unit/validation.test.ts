import { Book, NewBook } from '../../src/books/book-schema';
import { isMultipleOf, validate } from '../../src/http/validation';

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
