import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';

export const REPO_ROOT = resolve(__dirname, '../../..');
export const CHART_DIR = join(REPO_ROOT, 'helm', 'book-service');

/** Every YAML document of a file (or of a string), with parse errors thrown, empty ones dropped. */
export function parseYamlDocuments(text: string, origin: string): any[] {
  return parseAllDocuments(text)
    .map((doc) => {
      if (doc.errors.length) throw new Error(`${origin}: ${doc.errors.map((e) => e.message).join('; ')}`);
      return doc.toJS();
    })
    .filter((doc) => doc !== null && doc !== undefined);
}

export function readYamlDocuments(path: string): any[] {
  return parseYamlDocuments(readFileSync(path, 'utf8'), path);
}
