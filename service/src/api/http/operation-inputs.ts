import { TObject, TSchema, Type } from '@sinclair/typebox';
import { BookId, Cursor, IdempotencyKey, NewBook, PageSize } from '../../contract/book-schema';

/**
 * Every input of the books API, declared once. books-routes.ts validates requests with
 * these schemas and openapi.ts publishes them: a parameter or a rule exists in both or in
 * neither.
 */
export interface OperationInputs {
  path?: TObject;
  query?: TObject;
  header?: TObject;
  /** The JSON request body (a named schema: published under components/schemas). */
  body?: TSchema;
}

export type ParameterLocation = 'path' | 'query' | 'header';
export const PARAMETER_LOCATIONS: ParameterLocation[] = ['path', 'query', 'header'];

/** Largest request body, enforced while parsing (16kb as published, in bytes as enforced). */
export const BODY_LIMIT = '16kb';
export const BODY_LIMIT_BYTES = 16 * 1024;

const IdPath = Type.Object({ id: BookId });

export const bookApi = {
  addBook: {
    header: Type.Object({ 'Idempotency-Key': Type.Optional(IdempotencyKey) }),
    body: NewBook,
  },
  listBooks: {
    query: Type.Object({ limit: Type.Optional(PageSize), after: Type.Optional(Cursor) }),
  },
  getBook: { path: IdPath },
  deleteBook: { path: IdPath },
} satisfies Record<string, OperationInputs>;
