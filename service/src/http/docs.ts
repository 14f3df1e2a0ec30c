import { createReadStream } from 'node:fs';
import { dirname, join } from 'node:path';
import Router from '@koa/router';

const SWAGGER_VERSION = (require('swagger-ui-dist/package.json') as { version: string }).version;
const SWAGGER_DIR = dirname(require.resolve('swagger-ui-dist/package.json'));
// Versioned, so the assets can be cached for good.
const ASSET_PREFIX = `/docs/assets/${SWAGGER_VERSION}`;
const FILES: Record<string, string> = {
  'swagger-ui.css': 'text/css',
  'swagger-ui-bundle.js': 'application/javascript',
  'swagger-ui-standalone-preset.js': 'application/javascript',
};
// A file rather than an inline script, so the page works under a strict Content-Security-Policy.
const INITIALIZER = `window.ui = SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
  layout: 'StandaloneLayout',
});
`;
const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Book Service API</title>
<link rel="stylesheet" href="${ASSET_PREFIX}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="${ASSET_PREFIX}/swagger-ui-bundle.js"></script>
<script src="${ASSET_PREFIX}/swagger-ui-standalone-preset.js"></script>
<script src="${ASSET_PREFIX}/docs-initializer.js"></script>
</body>
</html>
`;

/** Swagger UI at /docs, its assets served from swagger-ui-dist: no CDN, no web font, nothing fetched elsewhere. */
export function docsRoutes(openapi: Record<string, unknown>): Router {
  const router = new Router();
  router.get('/openapi.json', (ctx) => {
    ctx.body = openapi;
  });
  router.get('/docs', (ctx) => {
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = PAGE;
  });
  router.get(`${ASSET_PREFIX}/:file`, (ctx) => {
    const file = ctx.params.file;
    ctx.set('Cache-Control', 'public, max-age=86400, immutable');
    if (file === 'docs-initializer.js') {
      ctx.type = 'application/javascript';
      ctx.body = INITIALIZER;
      return;
    }
    const type = FILES[file];
    if (!type) return;
    ctx.type = type;
    ctx.body = createReadStream(join(SWAGGER_DIR, file));
  });
  return router;
}
