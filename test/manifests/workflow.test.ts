import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from './support/repo';
import { tool } from '../../tools/pinned-tools';

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

  it('runs .ci/kind-job.sh in the kind job, the script .ci/run runs through .ci/kind-stage.sh', () => {
    expect(runs('kind')).toMatch(/^bash \.ci\/kind-job\.sh$/m);
    expect(readFileSync(join(REPO_ROOT, '.ci/kind-stage.sh'), 'utf8')).toMatch(/^bash \.ci\/kind-job\.sh$/m);
    expect(readFileSync(join(REPO_ROOT, '.ci/run'), 'utf8')).toMatch(/bash \.ci\/kind-stage\.sh/);
  });

  it('has the kind job create the cluster from kind-config.yaml, then skaffold run, the dev loop, the cluster layer and status, in that order', () => {
    const script = readFileSync(join(REPO_ROOT, '.ci/kind-job.sh'), 'utf8');
    const order = [
      'kind create cluster --config kind-config.yaml',
      'skaffold run --status-check=true --kube-context "$context"',
      'npm run --silent test:dev-loop',
      'npm run --silent test:cluster',
      'npm run --silent status',
    ].map((s) => script.indexOf(s));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  it('gives every skaffold and npm step of the kind job a time limit, so a stuck step ends in diagnostics', () => {
    const script = readFileSync(join(REPO_ROOT, '.ci/kind-job.sh'), 'utf8');
    const steps = script.split('\n').filter((line) => /^\s*(timeout .*)?(skaffold run|npm run)/.test(line));
    expect(steps.length).toBeGreaterThanOrEqual(6);
    for (const line of steps) expect(line).toMatch(/^\s*timeout --kill-after=\d+s \d+m /);
  });

  it('installs kind v0.30.0 and a kubectl within one minor version of its node (Kubernetes 1.34)', () => {
    const env = workflow.jobs.kind.env;
    expect(env.KIND_VERSION).toBe('v0.30.0');
    const kubectl = /^v1\.(\d+)\.\d+$/.exec(String(env.KUBECTL_VERSION));
    expect(kubectl).not.toBeNull();
    expect(Math.abs(Number(kubectl![1]) - 34)).toBeLessThanOrEqual(1);
    expect(runs('kind')).toContain('sigs.k8s.io/kind@${KIND_VERSION}');
    expect(runs('kind')).toContain('/release/${KUBECTL_VERSION}/');
  });

  it('prints pod logs, events and the KafkaConnector status when the kind job fails', () => {
    const script = readFileSync(join(REPO_ROOT, '.ci/kind-job.sh'), 'utf8');
    const diagnostics = script.slice(script.indexOf('diagnostics() {'), script.indexOf('\n}\n', script.indexOf('diagnostics() {')));
    expect(diagnostics).toMatch(/kubectl .*get events/);
    expect(diagnostics).toMatch(/kubectl .*logs/);
    expect(diagnostics).toMatch(/get kafkaconnector book-outbox-connector -o yaml/);
    expect(script).toMatch(/\[ "\$code" = 0 \] \|\| diagnostics/);
  });
});
