import { parse as parseJson } from '@hapi/bourne';
import { Context, Middleware, Next } from 'koa';
import { HttpMethodEnum, koaBody } from 'koa-body';

/** RFC 7159 whitespace, then an object or an array: what koa-body's jsonStrict accepts. */
const STRICT_JSON = /^[\x20\x09\x0a\x0d]*[[{]/;

/** An error the error handler maps as it maps koa-body's (error-handler.ts, fromBodyParser). */
function bodyError(status: 400 | 413, message: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(message), { status, expose: true, ...extra });
}

function readBody(ctx: Context, limit: number): Promise<string> {
  const req = ctx.req;
  const declared = Number(req.headers['content-length']);
  if (declared > limit) return Promise.reject(bodyError(413, 'request entity too large', { type: 'entity.too.large', limit }));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('aborted', onAborted);
      req.off('error', onError);
    };
    const fail = (error: Error) => {
      cleanup();
      reject(error);
    };
    const onData = (chunk: Buffer) => {
      length += chunk.length;
      if (length > limit) {
        req.pause();
        fail(bodyError(413, 'request entity too large', { type: 'entity.too.large', limit }));
      } else chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      const text = (chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, length)).toString('utf8');
      // As raw-body's UTF-8 decoder does, a byte-order mark is not part of the text.
      resolve(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
    };
    const onAborted = () => fail(bodyError(400, 'request aborted', { type: 'request.aborted' }));
    const onError = (error: Error) => fail(Object.assign(error, { status: 400 }));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('aborted', onAborted);
    req.on('error', onError);
  });
}

/**
 * Parses an application/json request body into ctx.request.body exactly as koa-body with
 * jsonStrict does (an empty body is {}, only an object or an array is accepted, __proto__
 * keys are refused, 413 above `limit` bytes, 400 for anything unparseable), without its
 * per-request dispatch over body types, option cloning and decoding streams. A body with a
 * Content-Encoding (gzip, deflate, br) is still handed to koa-body, which inflates it.
 */
export function jsonBody(limit: number): Middleware {
  const encoded = koaBody({
    json: true,
    urlencoded: false,
    text: false,
    multipart: false,
    jsonStrict: true,
    jsonLimit: limit,
    parsedMethods: [HttpMethodEnum.POST],
  });
  return async (ctx: Context, next: Next) => {
    const encoding = ctx.req.headers['content-encoding'];
    if (encoding && encoding.toLowerCase() !== 'identity') return encoded(ctx, next);
    const text = await readBody(ctx, limit);
    try {
      if (text === '') ctx.request.body = {};
      else if (!STRICT_JSON.test(text)) throw new SyntaxError('invalid JSON, only supports object and array');
      else ctx.request.body = parseJson(text, { protoAction: 'error' });
    } catch (error) {
      throw Object.assign(error as Error, { status: 400, expose: true });
    }
    return next();
  };
}
