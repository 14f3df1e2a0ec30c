import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { render } from './support/helm';
import { REPO_ROOT } from './support/repo';

// README.md and docs/ are part of the deliverable: every repository path they name
// exists, and the Kubernetes guide says what an installer on a shared cluster hits.
const documents = ['README.md', ...readdirSync(join(REPO_ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
const read = (file: string) => readFileSync(join(REPO_ROOT, file), 'utf8');
const guide = read('docs/kubernetes.md');
const TOP = /^(helm|k8s|strimzi|service|docs|\.github|\.ci)\//;

describe('README.md and docs/', () => {
  it.each(documents)('%s names only repository paths that exist', (file) => {
    const text = read(file);
    const quoted = [...text.matchAll(/`([^`\s]+)`/g)].map((m) => m[1]).filter((p) => TOP.test(p) && !/[*<>{}$]/.test(p));
    const linked = [...text.matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)]
      .map((m) => m[1])
      .filter((p) => !/^[a-z]+:/.test(p))
      .map((p) => join(dirname(file), p));
    for (const path of [...quoted, ...linked]) expect({ path, exists: existsSync(join(REPO_ROOT, path)) }).toEqual({ path, exists: true });
  });

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
