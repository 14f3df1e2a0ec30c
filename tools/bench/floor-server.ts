/**
 * The floors under the service, for `npm run bench:write` (BENCH_FLOOR): POST /books behind
 * nothing but node:http — no Koa, no body parser, no validation library, no logging or
 * metrics — on a pool of the service's size, with the same three round trips (BEGIN, the
 * service's own statement, COMMIT). Not a product component.
 *  - FLOOR_DB=pg: the statement through node-postgres. What any Node.js service doing this
 *    transaction pays.
 *  - FLOOR_DB=sequelize: the service's own BookStore.add (Sequelize's managed transaction,
 *    the outbox append). The service's cost above this one is its HTTP edge.
 *  - FLOOR_HTTP=koa: instead of node:http, Koa with one @koa/router route whose JSON body goes
 *    through koa-body as the service's does, then the FLOOR_DB path. The service's cost above
 *    this one is its validation, logging, metrics and error handling.
 *
 *   DATABASE_URL=… PORT=… FLOOR_DB=pg|sequelize [FLOOR_HTTP=koa] node --import tsx tools/bench/floor-server.ts
 */
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import Router from '@koa/router';
import Koa from 'koa';
import { koaBody } from 'koa-body';
import type { NewBook } from '../../service/src/contract/book-schema';
import { BODY_LIMIT_BYTES } from '../../service/src/api/http/operation-inputs';
import { addThroughBookStore, addThroughPg } from './floor-transactions';

const url = process.env.DATABASE_URL!;
const poolMax = 10;
const floor = process.env.FLOOR_DB === 'sequelize' ? addThroughBookStore(url, poolMax) : addThroughPg(url, poolMax);

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
}

const isBook = (input: Partial<NewBook>): input is NewBook =>
  typeof input.title === 'string' && typeof input.author === 'string' && typeof input.price === 'number';

async function addBook(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const input = JSON.parse(await readBody(req)) as Partial<NewBook>;
  if (!isBook(input)) return send(res, 400, { title: 'invalid book' });
  send(res, 201, await floor.add({ title: input.title, author: input.author, price: input.price }));
}

function koaApp(): Koa {
  const parse = koaBody({ json: true, urlencoded: false, text: false, multipart: false, jsonStrict: true, jsonLimit: BODY_LIMIT_BYTES });
  const router = new Router();
  router.post('/books', parse, async (ctx) => {
    const input = ctx.request.body as Partial<NewBook>;
    if (!isBook(input)) {
      ctx.status = 400;
      ctx.body = { title: 'invalid book' };
      return;
    }
    ctx.status = 201;
    ctx.body = await floor.add({ title: input.title, author: input.author, price: input.price });
  });
  router.get('/readyz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  const app = new Koa();
  app.use(router.routes());
  return app;
}

const server = process.env.FLOOR_HTTP === 'koa' ? createServer(koaApp().callback()) : createServer((req, res) => {
  if (req.method === 'POST' && req.url === '/books') {
    addBook(req, res).catch((error: unknown) => send(res, 500, { title: String(error) }));
  } else if (req.url === '/readyz') {
    send(res, 200, { status: 'ok' });
  } else {
    send(res, 404, { title: 'not found' });
  }
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT), '127.0.0.1');
process.once('SIGTERM', () => server.close(() => process.exit(0)));
