import { spawnSync } from 'node:child_process';
import { tool } from '../../../tools/pinned-tools';

/** The pinned promtool (built by the manifests globalSetup), run in `cwd`; stdout and stderr together. */
export function promtool(args: string[], cwd: string): { status: number | null; output: string } {
  const run = spawnSync(tool('promtool'), args, { cwd, encoding: 'utf8' });
  if (run.error) throw run.error;
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

/** Metric names a PromQL expression selects (every selector here has braces); histogram series by their base name. */
export function metricNames(expr: string): string[] {
  return [...expr.matchAll(/\b([a-zA-Z_:][a-zA-Z0-9_:]*)\{/g)].map((m) => m[1].replace(/_(bucket|sum|count)$/, ''));
}
