import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from './support/repo';
import { tool } from '../../../tools/pinned-tools';

const WORKFLOW = join(REPO_ROOT, '.github', 'workflows', 'ci.yaml');
const actionlint = (args: string[], input?: string) =>
  spawnSync(tool('actionlint'), ['-no-color', ...args], { cwd: REPO_ROOT, encoding: 'utf8', input });

describe('.github/workflows/ci.yaml', () => {
  const workflow = parse(readFileSync(WORKFLOW, 'utf8'));
  const steps = (job: string): any[] => workflow.jobs[job].steps;
  const runs = (job: string) => steps(job).map((s) => s.run ?? '').join('\n');

  it('passes actionlint', () => {
    const result = actionlint([WORKFLOW]);
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('is checked by an actionlint that does find mistakes', () => {
    const broken = 'on: push\njobs:\n  x:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo ${{ github.event.nope.nope }}\n      - uses: actions/checkout\n';
    const result = actionlint(['-'], broken);
    expect(result.status).not.toBe(0);
  });

  it('pins every action to a release (x.y.z) or a commit', () => {
    const uses = Object.keys(workflow.jobs).flatMap((job) => steps(job).filter((s) => s.uses).map((s) => s.uses as string));
    expect(uses.length).toBeGreaterThan(5);
    for (const ref of uses) expect(ref).toMatch(/@(v\d+\.\d+\.\d+|[0-9a-f]{40})$/);
  });

  it('runs the repository test command in the test job', () => {
    expect(runs('test')).toMatch(/^bash \.ci\/run$/m);
  });

  it('brings the system up on kind and runs the same cluster layer as .ci/cluster-stage.sh in the kind job', () => {
    const kind = steps('kind').find((s) => String(s.uses).startsWith('helm/kind-action@'));
    expect(kind.with.config).toBe('kind-config.yaml');
    const script = runs('kind');
    const stage = readFileSync(join(REPO_ROOT, '.ci/cluster-stage.sh'), 'utf8');
    expect(stage).toMatch(/npm run --silent test:cluster/);
    const order = ['skaffold run', 'npm run test:cluster', 'npm run status'].map((s) => script.indexOf(s));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  it('uses a kubectl within one minor version of the kind node (kind-action would pick its own default)', () => {
    const kind = steps('kind').find((s) => String(s.uses).startsWith('helm/kind-action@'));
    const node = /^v1\.(\d+)\./.exec(String(kind.with.node_image ?? '').split(':')[1] ?? 'v1.34.');
    expect(String(kind.with.version)).toBe('v0.30.0'); // its default node image is Kubernetes 1.34
    const kubectl = /^v1\.(\d+)\.\d+$/.exec(String(kind.with.kubectl_version));
    expect(kubectl).not.toBeNull();
    expect(Math.abs(Number(kubectl![1]) - Number(node![1]))).toBeLessThanOrEqual(1);
  });

  it('prints pod logs, events and the KafkaConnector status when the kind job fails', () => {
    const diagnostics = steps('kind').find((s) => s.if === 'failure()');
    expect(diagnostics.run).toMatch(/kubectl .*get events/);
    expect(diagnostics.run).toMatch(/kubectl .*logs/);
    expect(diagnostics.run).toMatch(/get kafkaconnector book-outbox-connector -o yaml/);
  });
});
