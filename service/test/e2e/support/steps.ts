import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { currentKubeContextSync } from '../../../../tools/ops/kube-context';
import { REPO_ROOT } from './cluster-tools';

export type Step = { step: string; [key: string]: any };

/** Why the cluster layer cannot run here, or undefined; printed once per suite, since jest hides the console of a skipped suite. */
export function clusterSkipReason(suite: string): string | undefined {
  const context = currentKubeContextSync();
  const reason = context.ok ? undefined : `no Kubernetes context: ${context.reason}`;
  if (reason) process.stderr.write(`\n${suite} skipped: ${reason}\n`);
  return reason;
}

export function contextName(): string {
  const context = currentKubeContextSync();
  return context.ok ? context.context : '(none)';
}

/**
 * Runs a cluster script (tsx: @kubernetes/client-node is ESM-only, jest here is CommonJS) and
 * collects its `E2E <json>` lines by step name; its stderr (progress) goes to the terminal.
 * A script still running after `deadlineMs` is killed, and the run ends with an `error` step
 * naming the last step it reached: the suite fails with that reason instead of hanging.
 * Give the suite's beforeAll a minute more than `deadlineMs`.
 */
export async function runSteps(script: string, deadlineMs: number): Promise<Map<string, Step>> {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'node_modules/tsx/dist/cli.mjs'), join(__dirname, script)], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  let timedOut = false;
  child.stdout.on('data', (chunk) => (out += chunk));
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
  }, deadlineMs);
  await new Promise((resolve) => child.on('close', resolve));
  clearTimeout(timer);
  const steps = new Map<string, Step>();
  for (const line of out.split('\n').filter((l) => l.startsWith('E2E '))) {
    const step = JSON.parse(line.slice(4)) as Step;
    steps.set(step.step, step);
  }
  if (timedOut && !steps.has('error')) {
    const last = [...steps.keys()].pop() ?? 'none';
    steps.set('error', { step: 'error', message: `${script} was still running after ${deadlineMs / 60_000} min and was stopped; last step: ${last}` });
  }
  if (steps.has('error')) console.error(steps.get('error')!.message);
  return steps;
}

/** A step's data; fails the test with the run's error when the step never happened. */
export function stepOf(steps: Map<string, Step>, name: string): Step {
  expect(steps.get('error')?.message).toBeUndefined();
  const found = steps.get(name);
  expect(found).toBeDefined();
  return found!;
}
