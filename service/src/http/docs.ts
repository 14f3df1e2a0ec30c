import { createReadStream } from 'node:fs';
import { dirname, join } from 'node:path';
import Router from '@koa/router';
import { koaSwagger } from 'koa2-swagger-ui';

const ASSET_PREFIX = '/docs/assets';
const SWAGGER_VERSION = (require('swagger-ui-dist/package.json') as { version: string }).version;
const SWAGGER_DIR = dirname(require.resolve('swagger-ui-dist/package.json'));
// The page asks for these names; swagger-ui-dist ships them (the stylesheet unminified).
const ASSETS: Record<string, { file: string; type: string }> = {
  'swagger-ui.min.css': { file: 'swagger-ui.css', type: 'text/css' },
  'swagger-ui-bundle.js': { file: 'swagger-ui-bundle.js', type: 'application/javascript' },
  'swagger-ui-standalone-preset.js': { file: 'swagger-ui-standalone-preset.js', type: 'application/javascript' },
};

/** Swagger UI at /docs with its assets served from swagger-ui-dist, so it works without a CDN. */
export function docsRoutes(openapi: Record<string, unknown>): Router {
  const router = new Router();
  router.get('/openapi.json', (ctx) => {
    ctx.body = openapi;
  });
  router.get(
    '/docs',
    koaSwagger({
      routePrefix: false,
      title: 'Book Service API',
      swaggerVersion: SWAGGER_VERSION,
      swaggerCdnUrl: ASSET_PREFIX,
      swaggerOptions: { url: '/openapi.json' },
    }),
  );
  router.get(`${ASSET_PREFIX}/${SWAGGER_VERSION}/:file`, (ctx) => {
    const asset = ASSETS[ctx.params.file];
    if (!asset) return;
    ctx.type = asset.type;
    ctx.set('Cache-Control', 'public, max-age=86400, immutable');
    ctx.body = createReadStream(join(SWAGGER_DIR, asset.file));
  });
  return router;
}
