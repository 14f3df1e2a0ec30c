import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import Ajv from 'ajv';
import { parse } from 'yaml';
import { Book } from '../../src/contract/book-schema';
import { decodeBookEvent } from '../../src/consumer/event-record';
import { deadLetterRecord } from '../../src/consumer/dead-letter';
import { fromCents, toCents } from '../../src/consumer/money';

const ID = '0b6c4a52-2e0a-4f8e-9d55-3c1e6b1f2a10';
const book = { id: 3, title: 'Miro', author: 'Roqq', price: 100.0 };
const record = (over: { key?: string | null; value?: string | null; headers?: Record<string, string | string[]> } = {}) => ({
  key: over.key === undefined ? Buffer.from('3') : over.key === null ? null : Buffer.from(over.key),
  value: over.value === undefined ? Buffer.from(JSON.stringify(book)) : over.value === null ? null : Buffer.from(over.value),
  headers: over.headers ?? { id: ID, type: 'BookAdded' },
});

describe('decodeBookEvent: the event contract as the consumer checks it', () => {
  it('accepts a record of the contract', () => {
    expect(decodeBookEvent(record())).toEqual({ event: { id: ID, type: 'BookAdded', book } });
    expect(decodeBookEvent(record({ headers: { id: ID.toUpperCase(), type: 'BookDeleted', traceparent: 'x' } }))).toEqual({ event: { id: ID, type: 'BookDeleted', book } });
  });

  it('accepts extra fields in the value (the contract allows them)', () => {
    expect(decodeBookEvent(record({ value: JSON.stringify({ ...book, createdAt: 'now' }) }))).toHaveProperty('event');
  });

  it.each([
    ['missing-header', { headers: { type: 'BookAdded' } }],
    ['missing-header', { headers: { id: ID } }],
    ['missing-header', { headers: { id: [ID, ID], type: 'BookAdded' } }],
    ['invalid-header', { headers: { id: 'not-a-uuid', type: 'BookAdded' } }],
    ['unknown-type', { headers: { id: ID, type: 'BookRenamed' } }],
    ['unparseable-json', { value: '{"id":3,' }],
    ['unparseable-json', { value: null }],
    ['invalid-value', { value: JSON.stringify({ ...book, price: -1 }) }],
    ['invalid-value', { value: JSON.stringify({ ...book, price: 1.234 }) }],
    ['invalid-value', { value: JSON.stringify({ id: 3, title: 'Miro' }) }],
    ['invalid-value', { value: '[]' }],
    ['invalid-value', { key: '4' }],
    ['invalid-value', { key: null }],
  ])('%s: %j', (reason, over) => {
    const decoded = decodeBookEvent(record(over));
    expect(decoded).toMatchObject({ poison: reason });
    expect((decoded as { error: string }).error).not.toBe('');
  });

  it('has the properties of the Book schema in the AsyncAPI document, no more, no fewer', () => {
    const doc = parse(readFileSync(resolve(__dirname, '../../../docs/asyncapi.yaml'), 'utf8'));
    expect(Object.keys(doc.components.schemas.Book.properties).sort()).toEqual(Object.keys(Book.properties).sort());
  });

  it('agrees with the AsyncAPI document on which values are books', () => {
    const doc = parse(readFileSync(resolve(__dirname, '../../../docs/asyncapi.yaml'), 'utf8'));
    const ajv = new Ajv({ strict: false, validateFormats: false });
    ajv.addSchema(doc, 'asyncapi');
    const documented = ajv.getSchema('asyncapi#/components/schemas/Book')!;
    const values = [book, { ...book, price: 19.99 }, { ...book, price: 0 }, { ...book, id: 0 }, { ...book, title: '' }, { ...book, price: '1' }, { id: 3 }];
    for (const value of values) {
      expect([value, 'event' in decodeBookEvent(record({ key: String(value.id), value: JSON.stringify(value) }))]).toEqual([value, documented(value)]);
    }
  });
});

describe('dead-letter records', () => {
  it('keep the original key, value and headers and add where and why', () => {
    const message = { ...record({ headers: { id: ID, type: 'BookRenamed' } }), offset: '42' };
    const letter = deadLetterRecord({ message, topic: 'books.events', partition: 2, reason: 'unknown-type', error: 'nope', attempts: 1 }, 'book-catalog', new Date(0));
    expect(letter.key).toBe(message.key);
    expect(letter.value).toBe(message.value);
    expect(letter.headers).toEqual({
      id: ID, type: 'BookRenamed',
      'dlq.reason': 'unknown-type', 'dlq.error': 'nope', 'dlq.source.topic': 'books.events', 'dlq.source.partition': '2',
      'dlq.source.offset': '42', 'dlq.attempts': '1', 'dlq.consumer.group': 'book-catalog', 'dlq.failed.at': '1970-01-01T00:00:00.000Z',
    });
  });

  it('replace, never stack, the dlq headers of a record that failed again after a replay', () => {
    const message = { ...record({ headers: { id: ID, type: 'X', 'dlq.reason': 'old', 'dlq.source.offset': '1' } }), offset: '7' };
    const letter = deadLetterRecord({ message, topic: 'books.events', partition: 0, reason: 'unknown-type', error: 'e', attempts: 1 }, 'g');
    expect(letter.headers['dlq.reason']).toBe('unknown-type');
    expect(letter.headers['dlq.source.offset']).toBe('7');
  });
});

describe('money: exact sums of prices', () => {
  it.each([['100', 10000n], ['100.5', 10050n], ['19.99', 1999n], ['0.01', 1n], ['-12.30', -1230n], ['99999999.99', 9999999999n]])('%s ↔ %s cents', (text, cents) => {
    expect(toCents(text)).toBe(cents);
    expect(toCents(fromCents(cents))).toBe(cents);
  });

  it('adds without binary rounding errors', () => {
    const sum = ['0.10', '0.20', '19.99', '0.01'].reduce((s, p) => s + toCents(p), 0n);
    expect(fromCents(sum)).toBe('20.30');
    expect(fromCents(-5n)).toBe('-0.05');
  });

  it('refuses what is not a decimal with at most two places', () => {
    for (const bad of ['1.234', 'abc', '', '1e3']) expect(() => toCents(bad)).toThrow();
  });
});
