import Router from '@koa/router';
import { Context } from 'koa';
import { HttpMethodEnum, koaBody } from 'koa-body';
import { BookStore } from '../books/book-store';
import { BookId, ListQuery, MAX_BOOK_ID, NewBook } from '../books/book-schema';
import { IdempotencyKeyReused } from '../books/idempotency';
import { problems } from './problem';
import { validate } from './validation';

export const BODY_LIMIT = '16kb';
const DEFAULT_PAGE = 100;
const MAX_PAGE = 1000;
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;
const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

const parseJson = koaBody({
  json: true,
  urlencoded: false,
  text: false,
  multipart: false,
  jsonStrict: true,
  jsonLimit: BODY_LIMIT,
  parsedMethods: [HttpMethodEnum.POST],
});

function trimmed(body: unknown): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body;
  const copy: Record<string, unknown> = { ...body };
  for (const field of ['title', 'author']) if (typeof copy[field] === 'string') copy[field] = (copy[field] as string).trim();
  return copy;
}

function bookId(ctx: Context): number {
  const errors = validate(BookId, ctx.params.id);
  if (errors.length || Number(ctx.params.id) > MAX_BOOK_ID) {
    throw problems.invalidParameter([{ pointer: '#/path/id', detail: `must be an integer from 1 to ${MAX_BOOK_ID}` }]);
  }
  return Number(ctx.params.id);
}

function writeOptions(ctx: Context) {
  const traceparent = ctx.get('traceparent');
  return { traceparent: TRACEPARENT.test(traceparent) ? traceparent : undefined };
}

export function bookRoutes(store: BookStore): Router {
  const router = new Router();

  router.post('/books', async (ctx, next) => {
    // Checked before parsing, so a non-JSON body is never read as an empty object.
    if (!ctx.is('application/json')) throw problems.unsupportedMediaType();
    await next();
  }, parseJson, async (ctx) => {
    const input = trimmed(ctx.request.body);
    const errors = validate(NewBook, input);
    if (errors.length) throw problems.validation(errors);
    const key = ctx.get('Idempotency-Key');
    if (key && !IDEMPOTENCY_KEY.test(key)) {
      throw problems.invalidParameter([{ pointer: '#/header/Idempotency-Key', detail: 'must be 1 to 255 visible ASCII characters' }]);
    }
    try {
      const { book, replayed } = await store.add(input as NewBook, { ...writeOptions(ctx), idempotencyKey: key || undefined });
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
    const query = { limit: ctx.query.limit, after: ctx.query.after };
    const errors = validate(ListQuery, Object.fromEntries(Object.entries(query).filter(([, v]) => v !== undefined)));
    const limit = query.limit === undefined ? DEFAULT_PAGE : Number(query.limit);
    const after = query.after === undefined ? 0 : Number(query.after);
    if (errors.length || limit < 1 || limit > MAX_PAGE || after > MAX_BOOK_ID) {
      throw problems.invalidParameter([
        { pointer: '#/query', detail: `limit must be an integer from 1 to ${MAX_PAGE}; after must be a book id (0 to ${MAX_BOOK_ID})` },
      ]);
    }
    const { books, more } = await store.list(after, limit);
    if (more) ctx.set('Link', `</books?limit=${limit}&after=${books[books.length - 1].id}>; rel="next"`);
    ctx.body = books;
  });

  router.get('/books/:id', async (ctx) => {
    const id = bookId(ctx);
    const book = await store.get(id);
    if (!book) throw problems.notFound(`Book ${id} does not exist`);
    ctx.body = book;
  });

  router.delete('/books/:id', async (ctx) => {
    const id = bookId(ctx);
    const book = await store.remove(id, writeOptions(ctx));
    if (!book) throw problems.notFound(`Book ${id} does not exist`);
    ctx.status = 204;
  });

  return router;
}
