import { spawnSync } from 'node:child_process';
import { ensureTool } from '../pinned-tools';

/** $HELM, else `helm` on PATH, else the pinned helm (tools/pinned-tools.ts, built from the Go module proxy once). */
export function helmBinary(): string {
  if (process.env.HELM) return process.env.HELM;
  if (spawnSync('helm', ['version', '--short'], { encoding: 'utf8' }).status === 0) return 'helm';
  return ensureTool('helm');
}
