import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The service's version: package.json's, the one source (helm/book-service/Chart.yaml's
 * version and appVersion are tested to equal it). Read at run time from the nearest
 * package.json named book-service above this file: the repository root for the sources
 * and dist/, /app in the image (the Dockerfile copies package.json there).
 */
export function appVersion(from: string = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'book-service' && pkg.version) return pkg.version;
    } catch {
      // no package.json here (or not readable): look further up
    }
    if (dirname(dir) === dir) throw new Error(`no package.json of book-service above ${from}`);
  }
}
