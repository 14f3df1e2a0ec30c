import { IHeaders, KafkaMessage } from 'kafkajs';
import { Book } from '../contract/book-schema';
import { BookEventType } from '../contract/book-events';
import { validate } from '../shared/validation';

/** A record of books.events as the read model applies it (the contract: docs/asyncapi.yaml). */
export interface BookEvent {
  id: string;
  type: BookEventType;
  book: Book;
}

/** Why a record cannot be applied, whatever the number of attempts: it goes to the dead-letter topic. */
export type PoisonReason = 'missing-header' | 'invalid-header' | 'unknown-type' | 'unparseable-json' | 'invalid-value';

export type Decoded = { event: BookEvent } | { poison: PoisonReason; error: string };

const TYPES: readonly string[] = ['BookAdded', 'BookDeleted'] satisfies BookEventType[];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A header as text; undefined when absent or repeated (a repeated id or type is ambiguous). */
export function headerText(headers: IHeaders | undefined, name: string): string | undefined {
  const value = headers?.[name];
  if (value === undefined || Array.isArray(value)) return undefined;
  return value.toString();
}

/** Checks one record against the event contract: headers id and type, the key, and the value (the Book schema). */
export function decodeBookEvent(message: Pick<KafkaMessage, 'key' | 'value' | 'headers'>): Decoded {
  const id = headerText(message.headers, 'id');
  const type = headerText(message.headers, 'type');
  if (id === undefined || type === undefined) {
    return { poison: 'missing-header', error: `header ${id === undefined ? 'id' : 'type'} is missing (or repeated)` };
  }
  if (!UUID.test(id)) return { poison: 'invalid-header', error: 'header id is not a UUID' };
  if (!TYPES.includes(type)) return { poison: 'unknown-type', error: `header type "${type.slice(0, 100)}" is not one of ${TYPES.join(', ')}` };
  let value: unknown;
  try {
    value = JSON.parse(message.value?.toString() ?? '');
  } catch (error) {
    return { poison: 'unparseable-json', error: `the value is not JSON: ${(error as Error).message}` };
  }
  const errors = validate(Book, value);
  if (errors.length) return { poison: 'invalid-value', error: errors.map((e) => `${e.pointer} ${e.detail}`).join('; ') };
  const book = value as Book;
  const key = message.key?.toString();
  // The key is what keeps one book's events in order on one partition.
  if (key !== String(book.id)) return { poison: 'invalid-value', error: `the key "${key?.slice(0, 20)}" is not the book id ${book.id}` };
  return { event: { id: id.toLowerCase(), type: type as BookEventType, book } };
}
