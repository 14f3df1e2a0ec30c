import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/**
 * The docs stay true to the tree: every relative link in README.md and docs/*.md points
 * at a file that exists (and, for a link into a Markdown file, at a heading it has), and
 * every repository path they name — backticked, or listed in a plain code block like
 * README's layout — exists. Paths are read from the repository root; paths outside the
 * repository (../shared/…) and patterns (`*`, `{id}`, `<…>`, `…`) are not paths of this tree.
 */
const ROOT = resolve(__dirname, '../..');
const DOCS = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

/** What the tools make at run time (.stack/, dist/, …): ignored by git, absent from a fresh clone. */
const GENERATED = readFileSync(join(ROOT, '.gitignore'), 'utf8').split('\n').map((l) => l.trim().replace(/\/$/, '')).filter((l) => /^[\w.-]+$/.test(l));
const TOP_LEVEL = readdirSync(ROOT).filter((name) => !['.git', ...GENERATED].includes(name));
const TOP_DIRS = TOP_LEVEL.filter((name) => statSync(join(ROOT, name)).isDirectory());
const TOP_FILES = TOP_LEVEL.filter((name) => !TOP_DIRS.includes(name));
/** A path into this repository: starts with one of its top-level folders, or is one of its top-level files. */
const REPO_PATH = new RegExp(`^(?:(?:${TOP_DIRS.map(escape).join('|')})/[\\w.@+/-]*|${TOP_FILES.map(escape).join('|')})$`);

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** GitHub's anchor for a heading. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

function parse(file: string) {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const prose: string[] = [];
  const listed: string[] = [];
  let fence: string | undefined;
  for (const line of text.split('\n')) {
    const marker = /^\s*(```+|~~~+)\s*(\S*)/.exec(line);
    if (marker) {
      fence = fence === undefined ? marker[2] : undefined;
      continue;
    }
    if (fence === undefined) prose.push(line);
    // A plain block (no language) that lists paths, one per line: the first words.
    else if (fence === '') listed.push(...line.trim().split(/\s{2,}/)[0].split(/,\s*/));
  }
  const body = prose.join('\n');
  const headings = new Set(prose.filter((l) => /^#{1,6}\s/.test(l)).map((l) => slug(l.replace(/^#+\s/, ''))));
  const links = [...body.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => m[1]);
  const code = [...body.matchAll(/`([^`\n]+)`/g)].map((m) => m[1]);
  return { headings, links, paths: [...code, ...listed] };
}

const parsed = new Map(DOCS.map((file) => [file, parse(file)]));

function isPattern(path: string): boolean {
  return /[*{}<>…]|\.\.\./.test(path);
}

describe.each(DOCS)('%s', (file) => {
  const { links, paths } = parsed.get(file)!;

  it('links only to files and headings that exist', () => {
    const broken: string[] = [];
    for (const link of links) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(link)) continue; // https:, mailto:
      const [target, anchor] = link.split('#');
      const path = target ? resolve(dirname(join(ROOT, file)), decodeURI(target)) : join(ROOT, file);
      const inRepo = relative(ROOT, path);
      if (inRepo.startsWith('..')) {
        broken.push(`${link} (outside the repository)`);
        continue;
      }
      if (!existsSync(path)) {
        broken.push(link);
        continue;
      }
      if (anchor && path.endsWith('.md')) {
        const headings = parsed.get(inRepo)?.headings ?? parse(inRepo).headings;
        if (!headings.has(anchor)) broken.push(`${link} (no such heading)`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('names only repository paths that exist', () => {
    const candidates = paths.map((p) => p.replace(/^\.\//, '').replace(/[:#].*$/, '').replace(/\/$/, ''));
    const missing = candidates.filter((p) => REPO_PATH.test(p) && !isPattern(p) && !existsSync(join(ROOT, p)));
    expect(missing).toEqual([]);
  });
});

it('finds the paths it is meant to check', () => {
  const readme = parsed.get('README.md')!;
  const checked = readme.paths.filter((p) => REPO_PATH.test(p));
  expect(checked).toEqual(expect.arrayContaining(['service/src/api', 'tools/chaos', 'strimzi/kafka-connector.yaml', 'docs/flow.md']));
  expect(REPO_PATH.test('../shared/schemas')).toBe(false);
  expect(REPO_PATH.test('service/src/no-such-file.ts') && !existsSync(join(ROOT, 'service/src/no-such-file.ts'))).toBe(true);
});
