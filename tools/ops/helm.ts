import { spawnSync } from 'node:child_process';

/** $HELM, else `helm` on PATH, else the pinned helm of the manifests tests (built from the Go module proxy once). */
export function helmBinary(): string {
  if (process.env.HELM) return process.env.HELM;
  if (spawnSync('helm', ['version', '--short'], { encoding: 'utf8' }).status === 0) return 'helm';
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('../../service/test/manifests/support/tools') as typeof import('../../service/test/manifests/support/tools')).ensureTool('helm');
}
