import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHART_DIR, parseYamlDocuments } from './repo';
import type { KubernetesObject } from './kubernetes-schemas';
import { tool } from '../../../tools/pinned-tools';

export interface HelmResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** helm with the pinned binary; stderr without helm's note about links it followed in files/. */
export function helm(args: string[], cwd?: string): HelmResult {
  const run = spawnSync(tool('helm'), args, { cwd, encoding: 'utf8' });
  if (run.error) throw run.error;
  const stderr = run.stderr
    .split('\n')
    .filter((line) => !/found symbolic link in path/.test(line))
    .join('\n')
    .trim();
  return { status: run.status ?? -1, stdout: run.stdout, stderr };
}

/** `helm template` of the chart with `--set` values only, for Kubernetes 1.34: what the schema and the templates say of them. */
export function templateWith(...set: string[]): HelmResult {
  return helm(['template', 'book-service', CHART_DIR, '--kube-version', '1.34.0', ...set.flatMap((s) => ['--set', s])]);
}

/** That values.schema.json refused the values, with a message containing `message` (which names the value). */
export function expectSchemaRejection(result: HelmResult, message: string): void {
  expect(result.status).not.toBe(0);
  expect(result.stderr).toContain("values don't meet the specifications of the schema");
  expect(result.stderr).toContain(message);
}

export interface RenderOptions {
  release?: string;
  namespace?: string;
  kubeVersion?: string;
  set?: string[];
  values?: string[];
  chart?: string;
}

/** The arguments of `helm template` for a chart directory and the options. */
function templateArgs(chart: string, options: RenderOptions): string[] {
  return [
    'template',
    options.release ?? 'book-service',
    chart,
    '--namespace',
    options.namespace ?? 'books',
    // the Kubernetes of the kind node in CI (helm's default is the version of its client libraries)
    '--kube-version',
    options.kubeVersion ?? '1.34.0',
    ...(options.values ?? []).flatMap((v) => ['--values', v]),
    ...(options.set ?? []).flatMap((s) => ['--set', s]),
  ];
}

/** `helm template` of the chart, hooks and test pods included, as objects. */
export function render(options: RenderOptions = {}): KubernetesObject[] {
  const args = templateArgs(options.chart ?? CHART_DIR, options);
  const result = helm(args);
  if (result.status !== 0) throw new Error(`helm ${args.join(' ')} failed:\n${result.stderr}`);
  return parseYamlDocuments(result.stdout, 'helm template') as KubernetesObject[];
}

/** Values that make the chart create its own database Secrets (test values, not real passwords). */
export const CHART_SECRETS = [
  'database.app.existingSecret=',
  'database.app.password=test-only-app',
  'database.owner.existingSecret=',
  'database.owner.password=test-only-owner',
];

/**
 * `helm template` of a copy of the chart with one more template file: lets a test call the
 * chart's helpers with inputs `helm template` cannot produce (what `lookup` returns from a
 * live cluster), or wrap a template such as NOTES.txt into an object.
 */
export function templateWithProbe(probe: string, options: RenderOptions = {}): HelmResult & { objects: () => KubernetesObject[] } {
  const copy = mkdtempSync(join(tmpdir(), 'book-chart-probe-'));
  try {
    cpSync(CHART_DIR, copy, { recursive: true, dereference: true });
    writeFileSync(join(copy, 'templates', 'probe-under-test.yaml'), probe);
    const result = helm(templateArgs(copy, options));
    return { ...result, objects: () => parseYamlDocuments(result.stdout, 'helm template (probe)') as KubernetesObject[] };
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}
