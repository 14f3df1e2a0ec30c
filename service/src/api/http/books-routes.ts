import Router from '@koa/router';
import { TObject } from '@sinclair/typebox';
import { Context } from 'koa';
import { HttpMethodEnum, koaBody } from 'koa-body';
import { BookStore } from '../books/book-store';
import { NewBook } from '../../contract/book-schema';
import { IdempotencyKeyReused } from '../books/idempotency';
import { BODY_LIMIT_BYTES, bookApi, ParameterLocation } from './operation-inputs';
import { problems } from './problem';
import { parseParameters, validate } from '../../shared/validation';

/** W3C trace context: stored with the event when well-formed, otherwise ignored (never a reason to refuse a write). */
const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

/**
 * koa-body for JSON only: strict (an object or an array; an empty body is {}), at most
 * BODY_LIMIT_BYTES (413 above), gzip/deflate/br bodies inflated, `__proto__` keys refused
 * (co-body's @hapi/bourne); anything unparseable is a 400 (error-handler.ts).
 */
const parseJson = koaBody({
  json: true,
  jsonStrict: true,
  jsonLimit: BODY_LIMIT_BYTES,
  urlencoded: false,
  text: false,
  multipart: false,
  parsedMethods: [HttpMethodEnum.POST],
});

/** The body as validated against the document's schema, then with title and author trimmed. */
function newBook(body: unknown): NewBook {
  const errors = validate(NewBook, body);
  if (errors.length) throw problems.validation(errors);
  const book = body as NewBook;
  return { ...book, title: book.title.trim(), author: book.author.trim() };
}

/** The parameters of one location, read and validated by the operation's schema; a 400 naming each bad one. */
function parameters<T extends TObject>(schema: T, location: ParameterLocation, raw: Record<string, unknown>) {
  const { value, errors } = parseParameters(schema, location, raw);
  if (errors.length) throw problems.invalidParameter(errors);
  return value;
}

/** Header parameters by their declared names (HTTP header names are case-insensitive). */
function headers(ctx: Context, schema: TObject): Record<string, unknown> {
  return Object.fromEntries(Object.keys(schema.properties).map((name) => [name, ctx.headers[name.toLowerCase()]]));
}

function writeOptions(ctx: Context) {
  const traceparent = ctx.get('traceparent');
  return { traceparent: TRACEPARENT.test(traceparent) ? traceparent : undefined };
}

export function bookRoutes(store: BookStore): Router {
  const router = new Router();

  router.post('/books', async (ctx, next) => {
    // Checked before parsing, so a non-JSON body is never read as an empty object.
    // The exact header most clients send skips type-is's parsing.
    if (ctx.req.headers['content-type'] !== 'application/json' && !ctx.is('application/json')) throw problems.unsupportedMediaType();
    await next();
  }, parseJson, async (ctx) => {
    const { addBook } = bookApi;
    const header = parameters(addBook.header, 'header', headers(ctx, addBook.header));
    const input = newBook(ctx.request.body);
    try {
      const { book, replayed } = await store.add(input, { ...writeOptions(ctx), idempotencyKey: header['Idempotency-Key'] });
      ctx.status = 201;
      ctx.set('Location', `/books/${book.id}`);
      if (replayed) ctx.set('Idempotent-Replayed', 'true');
      ctx.body = book;
    } catch (error) {
      if (error instanceof IdempotencyKeyReused) throw problems.idempotencyKeyReused(error.message);
      throw error;
    }
  });

  router.get('/books', async (ctx) => {
    const schema = bookApi.listBooks.query;
    const query = parameters(schema, 'query', ctx.query);
    const limit: number = query.limit ?? schema.properties.limit.default;
    const { books, more } = await store.list(query.after ?? 0, limit);
    if (more) ctx.set('Link', `</books?limit=${limit}&after=${books[books.length - 1].id}>; rel="next"`);
    ctx.body = books;
  });

  router.get('/books/:id', async (ctx) => {
    const { id } = parameters(bookApi.getBook.path, 'path', ctx.params);
    const book = await store.get(id);
    if (!book) throw problems.notFound(`Book ${id} does not exist`);
    ctx.body = book;
  });

  router.delete('/books/:id', async (ctx) => {
    const { id } = parameters(bookApi.deleteBook.path, 'path', ctx.params);
    const book = await store.remove(id, writeOptions(ctx));
    if (!book) throw problems.notFound(`Book ${id} does not exist`);
    ctx.status = 204;
  });

  return router;
}
