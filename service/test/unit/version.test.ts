import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { appVersion } from '../../src/shared/version';

const root = join(__dirname, '../../..');
const packageVersion = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;

describe('one version', () => {
  it('is package.json’s, read at run time', () => {
    expect(appVersion()).toBe(packageVersion);
  });

  it('is found from dist/ as in the image, where package.json sits in /app beside dist/', () => {
    const app = mkdtempSync(join(tmpdir(), 'app-'));
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'book-service', version: '7.8.9' }));
    mkdirSync(join(app, 'dist/http'), { recursive: true });
    writeFileSync(join(app, 'dist/package.json'), JSON.stringify({ name: 'something-else', version: '0.0.0' }));
    expect(appVersion(join(app, 'dist/http'))).toBe('7.8.9');
  });

  it('is the Helm chart’s version and appVersion', () => {
    const chart = parse(readFileSync(join(root, 'helm/book-service/Chart.yaml'), 'utf8')) as { version: string; appVersion: string };
    expect({ version: chart.version, appVersion: chart.appVersion }).toEqual({ version: packageVersion, appVersion: packageVersion });
  });
});
