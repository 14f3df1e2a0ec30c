import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { render } from './support/helm';
import { REPO_ROOT } from './support/repo';

// The Kubernetes guide says what an installer on a shared cluster hits (that every path
// the docs name exists is checked by test/manifests/doc-paths.test.ts).
const read = (file: string) => readFileSync(join(REPO_ROOT, file), 'utf8');
const guide = read('docs/kubernetes.md');
const documents = ['README.md', ...readdirSync(join(REPO_ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

describe('README.md and docs/', () => {
  it('never suggest a password file written with echo (its trailing newline becomes part of the password)', () => {
    for (const file of documents) {
      const text = read(file);
      expect({ file, echo: /echo[^\n|]*>\s*\S*password/.test(text) }).toEqual({ file, echo: false });
    }
    const fromFile = guide.split('\n').filter((l) => /--from-file=password=\.\//.test(l));
    expect(fromFile.length).toBeGreaterThan(0);
    expect(guide).toMatch(/printf '%s'[^\n]*> \.\/app-password/);
    expect(guide).toMatch(/trailing newline/);
  });

  it('tell how to hand a KafkaConnector and KafkaTopic applied from strimzi/ to the release, or to leave CDC off', () => {
    const objects = render({ set: ['cdc.enabled=true'] }).filter((o) => o.apiVersion.startsWith('kafka.strimzi.io/'));
    expect(objects.map((o) => o.kind).sort()).toEqual(['KafkaConnector', 'KafkaTopic']);
    const section = guide.slice(guide.indexOf('already applied from `strimzi/`'));
    expect(section.length).toBeLessThan(guide.length);
    for (const o of objects) expect(section).toContain(`${o.kind.toLowerCase()}/${o.metadata.name}`);
    expect(section).toContain('app.kubernetes.io/managed-by=Helm');
    expect(section).toContain('meta.helm.sh/release-name=book-service');
    expect(section).toContain('meta.helm.sh/release-namespace=books');
    expect(section).toContain('cdc.enabled=false');
    expect(section).toContain('invalid ownership metadata');
  });
});
