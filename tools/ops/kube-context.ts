import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { currentKubeContext, type KubeContext } from './kube';

const TSX = join(__dirname, '../../node_modules/tsx/dist/cli.mjs');
let asked: KubeContext | undefined;

/**
 * currentKubeContext() for synchronous callers (jest decides whether a suite runs while it
 * collects the tests, and jest here is CommonJS): asked once of a tsx child, since
 * @kubernetes/client-node is ESM-only.
 */
export function currentKubeContextSync(): KubeContext {
  if (asked) return asked;
  const child = spawnSync(process.execPath, [TSX, __filename], { encoding: 'utf8', timeout: 60_000 });
  try {
    asked = JSON.parse(child.stdout) as KubeContext;
  } catch {
    asked = { ok: false, reason: `could not read the kube context: ${(child.stderr || child.error?.message || `exit ${child.status}`).trim().split('\n')[0]}` };
  }
  return asked;
}

if (require.main === module) {
  currentKubeContext().then((context) => process.stdout.write(JSON.stringify(context)));
}
