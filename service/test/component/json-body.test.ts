import { gzipSync } from 'node:zlib';
import { json, useServiceAndDatabase } from '../support/test-service';

/** Bodies koa-body reads for POST /books: encoded, with a byte-order mark, in chunks, over the limit. */
const env = useServiceAndDatabase();
const book = { title: 'Body', author: 'Reader', price: 3.5 };

const post = (body: string | Uint8Array, headers: Record<string, string> = {}) =>
  env.api.request('/books', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

it('reads a gzip-encoded body through koa-body', async () => {
  const res = await post(gzipSync(JSON.stringify(book)), { 'content-encoding': 'gzip' });
  expect(res.status).toBe(201);
  expect(await json(res)).toMatchObject(book);
});

it('ignores a UTF-8 byte-order mark and accepts a charset parameter', async () => {
  const res = await post(`\ufeff${JSON.stringify(book)}`, { 'content-type': 'application/json; charset=utf-8' });
  expect(res.status).toBe(201);
});

it('reads a body that arrives in several chunks, multi-byte characters split across them', async () => {
  const bytes = Buffer.from(JSON.stringify({ ...book, title: 'Ørsted — ☃' }));
  const stream = new ReadableStream({
    start(controller) {
      for (let i = 0; i < bytes.length; i += 7) controller.enqueue(bytes.subarray(i, i + 7));
      controller.close();
    },
  });
  const res = await env.api.request('/books', { method: 'POST', headers: { 'content-type': 'application/json' }, body: stream, duplex: 'half' } as RequestInit);
  expect(res.status).toBe(201);
  expect((await json(res)).title).toBe('Ørsted — ☃');
});

it('answers 413 for a chunked body over the limit', async () => {
  const chunk = new TextEncoder().encode(' '.repeat(4096));
  const stream = new ReadableStream({
    start(controller) {
      for (let i = 0; i < 5; i++) controller.enqueue(chunk);
      controller.close();
    },
  });
  const res = await env.api.request('/books', { method: 'POST', headers: { 'content-type': 'application/json' }, body: stream, duplex: 'half' } as RequestInit);
  expect(res.status).toBe(413);
  expect((await json(res)).detail).toBe('The request body exceeds 16384 bytes');
});
