/**
 * Reads a V8 .cpuprofile (node --cpu-prof, or BENCH_PROFILE with npm run bench:write) and
 * prints the self time per package, the time per owner (below), the top frames by self time,
 * and optionally writes a flame graph as a standalone SVG. With --per-request-us (the CPU per
 * request bench:write measured) the owners' shares are also given in microseconds.
 *
 *   npx tsx tools/bench/cpu-profile.ts <file.cpuprofile> [--svg out.svg] [--top 25] [--title "..."] [--per-request-us 400]
 */
import { parseArgs } from 'node:util';
import { readFileSync, writeFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  hitCount?: number;
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
}

/** Where a frame's code lives: a package under node_modules, node's internals, the service, or a V8 pseudo-frame. */
export function packageOf(url: string, name: string): string {
  if (!url) return name.startsWith('(') ? name : '(native)';
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules) return modules[1];
  if (url.startsWith('node:')) return 'node:' + url.slice(5).split('/')[0];
  if (/\/(dist|service\/src)\//.test(url)) return 'service';
  return url.split('/').pop() ?? url;
}

export function frameLabel(frame: CallFrame): string {
  const name = frame.functionName || '(anonymous)';
  if (!frame.url) return name;
  const file = frame.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/(dist|service\/src)\//, '$1/');
  return `${name} ${file}:${frame.lineNumber + 1}`;
}

interface Tree {
  label: string;
  pkg: string;
  self: number;
  total: number;
  children: Tree[];
}

/** The call tree with inclusive hit counts; "(idle)" dropped so widths are shares of busy time. */
function buildTree(profile: Profile): Tree {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const convert = (node: ProfileNode): Tree => {
    const children = (node.children ?? []).map((id) => convert(byId.get(id)!)).filter((c) => c.label !== '(idle)' && c.total > 0);
    const self = node.hitCount ?? 0;
    return { label: frameLabel(node.callFrame), pkg: packageOf(node.callFrame.url, node.callFrame.functionName), self, total: self + children.reduce((a, c) => a + c.total, 0), children };
  };
  return convert(profile.nodes[0]);
}

function walk(tree: Tree, visit: (t: Tree) => void): void {
  visit(tree);
  tree.children.forEach((c) => walk(c, visit));
}

function hue(pkg: string): number {
  let h = 0;
  for (const ch of pkg) h = (h * 31 + ch.charCodeAt(0)) % 360;
  return h;
}

const escapeXml = (s: string) => s.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);

/** A flame graph (root at the bottom), frames narrower than 0.1% of busy time left out. */
export function flameGraphSvg(tree: Tree, title: string, width = 1200): string {
  const rowHeight = 16;
  let depth = 0;
  const rects: string[] = [];
  const place = (t: Tree, x: number, level: number) => {
    const w = (t.total / tree.total) * width;
    if (w < width / 1000) return;
    depth = Math.max(depth, level);
    rects.push(`<g><title>${escapeXml(t.label)} — ${((t.total / tree.total) * 100).toFixed(1)}% (${t.pkg})</title>` +
      `<rect x="${x.toFixed(2)}" y="${level}" width="${w.toFixed(2)}" height="${rowHeight - 1}" fill="hsl(${hue(t.pkg)},60%,${t.pkg === 'service' ? 55 : 70}%)"/>` +
      (w > 40 ? `<text x="${(x + 3).toFixed(2)}" y="${level}" dy="11">${escapeXml(t.label.slice(0, Math.floor(w / 6.5)))}</text>` : '') + '</g>');
    let cx = x;
    for (const c of t.children) {
      place(c, cx, level + 1);
      cx += (c.total / tree.total) * width;
    }
  };
  place(tree, 0, 0);
  const height = (depth + 1) * rowHeight + 30;
  // Levels were recorded as depths; flip them so the root is at the bottom.
  const body = rects.map((r) => r.replace(/ y="(\d+)"/g, (_m, level: string) => ` y="${height - (Number(level) + 1) * rowHeight}"`)).join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="monospace" font-size="11">
<rect width="100%" height="100%" fill="#fff"/>
<text x="4" y="16" font-size="13">${escapeXml(title)}</text>
${body}
</svg>
`;
}

/** Node's own code and V8's builtins do work for whoever called them. */
const isOwner = (pkg: string) => pkg !== '(native)' && pkg !== '(root)' && !pkg.startsWith('node:');

export interface Summary {
  busy: number;
  /**
   * Self time charged to the nearest caller that is a package, the service or a V8 pseudo-frame
   * (GC, program): a socket write pg asks for is pg's, one for Koa's response is Koa's; what
   * Node does on its own (the HTTP parser, timers, the microtask loop) is "(node runtime)".
   */
  byOwner: { owner: string; share: number }[];
  topSelf: { label: string; pkg: string; share: number }[];
  /** Inclusive (self + callees) share per frame, a frame counted once however deep it recurses. */
  topTotal: { label: string; share: number }[];
  byPackage: { pkg: string; share: number }[];
}

export function summarise(profile: Profile, top = 25): { tree: Tree; summary: Summary } {
  const tree = buildTree(profile);
  const self = new Map<string, { pkg: string; hits: number }>();
  const pkgs = new Map<string, number>();
  walk(tree, (t) => {
    if (!t.self) return;
    const s = self.get(t.label) ?? { pkg: t.pkg, hits: 0 };
    s.hits += t.self;
    self.set(t.label, s);
    pkgs.set(t.pkg, (pkgs.get(t.pkg) ?? 0) + t.self);
  });
  const owners = new Map<string, number>();
  const charge = (t: Tree, owner: string) => {
    const own = isOwner(t.pkg) ? t.pkg : owner;
    if (t.self) owners.set(own, (owners.get(own) ?? 0) + t.self);
    t.children.forEach((c) => charge(c, own));
  };
  charge(tree, '(node runtime)');
  const inclusive = new Map<string, number>();
  const count = (t: Tree, open: Set<string>) => {
    const first = !open.has(t.label);
    if (first) inclusive.set(t.label, (inclusive.get(t.label) ?? 0) + t.total);
    const inner = first ? new Set(open).add(t.label) : open;
    t.children.forEach((c) => count(c, inner));
  };
  count(tree, new Set());
  const share = (n: number) => n / tree.total;
  return {
    tree,
    summary: {
      busy: tree.total,
      topSelf: [...self].sort((a, b) => b[1].hits - a[1].hits).slice(0, top).map(([label, s]) => ({ label, pkg: s.pkg, share: share(s.hits) })),
      topTotal: [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, top).map(([label, hits]) => ({ label, share: share(hits) })),
      byOwner: [...owners].sort((a, b) => b[1] - a[1]).map(([owner, hits]) => ({ owner, share: share(hits) })),
      byPackage: [...pkgs].sort((a, b) => b[1] - a[1]).map(([pkg, hits]) => ({ pkg, share: share(hits) })),
    },
  };
}

function main(): void {
  const { values, positionals } = parseArgs({
    options: { svg: { type: 'string' }, top: { type: 'string', default: '25' }, title: { type: 'string' }, 'per-request-us': { type: 'string' } },
    allowPositionals: true,
  });
  const { svg, title } = values;
  const top = Number(values.top);
  const file = positionals[0];
  if (!file) throw new Error('usage: cpu-profile.ts <file.cpuprofile> [--svg out.svg] [--top N] [--title text]');
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const { tree, summary } = summarise(profile, top);
  const pct = (x: number) => `${(x * 100).toFixed(1).padStart(5)}%`;
  console.log(`busy samples ${summary.busy} (idle excluded)\n\nself time by package:`);
  for (const p of summary.byPackage.slice(0, 15)) console.log(`  ${pct(p.share)}  ${p.pkg}`);
  const perRequest = Number(values['per-request-us'] ?? NaN);
  console.log(`\nself time by owner (the nearest calling package)${perRequest ? `, of ${perRequest} us per request` : ''}:`);
  for (const o of summary.byOwner.filter((x) => x.share >= 0.002)) {
    console.log(`  ${pct(o.share)}${perRequest ? `  ${(o.share * perRequest).toFixed(0).padStart(4)} us` : ''}  ${o.owner}`);
  }
  console.log(`\ntop ${top} frames by self time:`);
  for (const f of summary.topSelf) console.log(`  ${pct(f.share)}  ${f.label}`);
  console.log(`\ntop ${top} frames by total time (self + callees):`);
  for (const f of summary.topTotal) console.log(`  ${pct(f.share)}  ${f.label}`);
  if (svg) {
    writeFileSync(svg, flameGraphSvg(tree, title ?? `CPU flame graph: ${file.split('/').pop()}`));
    console.log(`\nflame graph: ${svg}`);
  }
}

if (require.main === module) main();
