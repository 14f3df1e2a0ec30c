import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { dirname, join } from 'node:path';
import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { koaSwagger } from 'koa2-swagger-ui';

const SWAGGER_VERSION = (require('swagger-ui-dist/package.json') as { version: string }).version;
const SWAGGER_DIR = dirname(require.resolve('swagger-ui-dist/package.json'));
// koa2-swagger-ui links `<swaggerCdnUrl>/<swaggerVersion>/<file>`: here, swagger-ui-dist's files
// under a versioned path of our own, so they can be cached for good.
const ASSET_ROOT = '/docs/assets';
const ASSET_PREFIX = `${ASSET_ROOT}/${SWAGGER_VERSION}`;
/** The names the page asks for, and the swagger-ui-dist file behind each (it ships no .min.css). */
const FILES: Record<string, { file: string; type: string }> = {
  'swagger-ui.min.css': { file: 'swagger-ui.css', type: 'text/css' },
  'swagger-ui-bundle.js': { file: 'swagger-ui-bundle.js', type: 'application/javascript' },
  'swagger-ui-standalone-preset.js': { file: 'swagger-ui-standalone-preset.js', type: 'application/javascript' },
  'favicon-32x32.png': { file: 'favicon-32x32.png', type: 'image/png' },
};

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/**
 * koa2-swagger-ui's middleware for /docs, and a Content-Security-Policy that allows only this
 * origin plus the page's own inline script and style, by hash (taken from the page rendered once
 * at start). The template also links a web font from another host: the policy blocks it before
 * the browser sends any request, so the page asks nothing of any other host.
 */
function swaggerUi(): { middleware: Middleware; policy: string } {
  const middleware = koaSwagger({
    title: 'Book Service API',
    routePrefix: '/docs',
    swaggerVersion: SWAGGER_VERSION,
    swaggerCdnUrl: ASSET_ROOT,
    favicon: `${ASSET_PREFIX}/favicon-32x32.png`,
    swaggerOptions: { url: '/openapi.json', deepLinking: true },
  });
  const probe = { path: '/docs' } as Context;
  void middleware(probe, async () => undefined);
  const html = String(probe.body);
  const hashes = (tag: string) =>
    [...html.matchAll(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, 'g'))].map((m) => sha256(m[1])).join(' ');
  // The template's style="…" attributes (its hidden icon sprite): allowed by hash too ('unsafe-hashes').
  const attributes = [...new Set([...html.matchAll(/\sstyle="([^"]*)"/g)].map((m) => sha256(m[1])))].join(' ');
  const policy = [
    "default-src 'self'",
    `script-src 'self' ${hashes('script')}`,
    `style-src 'self' ${hashes('style')}${attributes ? ` 'unsafe-hashes' ${attributes}` : ''}`,
    // Swagger UI's stylesheet draws its icons as data: SVGs
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
  ].join('; ');
  return { middleware, policy };
}

/** /openapi.json, and Swagger UI at /docs through koa2-swagger-ui, its assets served from swagger-ui-dist. */
export function docsRoutes(openapi: Record<string, unknown>): Router {
  const router = new Router();
  const ui = swaggerUi();
  router.get('/openapi.json', (ctx) => {
    ctx.body = openapi;
  });
  router.get('/docs', (ctx, next) => {
    ctx.set('Content-Security-Policy', ui.policy);
    return ui.middleware(ctx, next);
  });
  router.get(`${ASSET_PREFIX}/:file`, (ctx) => {
    const asset = FILES[ctx.params.file];
    if (!asset) return;
    ctx.set('Cache-Control', 'public, max-age=86400, immutable');
    ctx.type = asset.type;
    ctx.body = createReadStream(join(SWAGGER_DIR, asset.file));
  });
  return router;
}
