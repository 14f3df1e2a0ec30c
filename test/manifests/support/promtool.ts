import { spawnSync } from 'node:child_process';
import { tool } from '../../../tools/pinned-tools';

/** The pinned promtool (built by the manifests globalSetup), run in `cwd`; stdout and stderr together. */
export function promtool(args: string[], cwd: string): { status: number | null; output: string } {
  const run = spawnSync(tool('promtool'), args, { cwd, encoding: 'utf8' });
  if (run.error) throw run.error;
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}
