import { execFile, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { helmBinary } from '../../../../tools/ops/helm';
import { exec, type Cluster } from '../../../../tools/ops/kube';
import { DEFAULT_NAMES } from '../../../../tools/ops/pipeline';
import { waitFor } from '../../../../tools/stack/processes';

/** Helpers of the cluster runs: the commands without an API (helm, npm run status), run as a user would. */
export const REPO_ROOT = join(__dirname, '../../../..');
/** The chart's release: the service and the consumer. */
export const NAMESPACE = DEFAULT_NAMES.namespace;
/**
 * The platform: Kafka, Connect and their Strimzi resources (the chart's cdc.namespace, CDC_NAMESPACE),
 * and PostgreSQL, which this repository's k8s/ puts beside them. The release's namespace unless split.
 */
export const PLATFORM_NAMESPACE = DEFAULT_NAMES.cdcNamespace;
export const RELEASE = process.env.BOOK_SERVICE_RELEASE || 'book-service';

export interface Ran {
  code: number;
  output: string;
}

export function run(cmd: string, args: string[], timeoutMs = 300_000): Ran {
  const r = spawnSync(cmd, args, { cwd: REPO_ROOT, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status ?? -1, output: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? r.error.message : ''}` };
}

export function helm(...args: string[]): Ran {
  return run(helmBinary(), args, 600_000);
}

/** helm without blocking this process: a write load runs beside it (the rolling upgrade of the fault run). */
export async function helmInBackground(...args: string[]): Promise<Ran> {
  try {
    const { stdout, stderr } = await promisify(execFile)(helmBinary(), args, { cwd: REPO_ROOT, timeout: 900_000, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, output: `${stdout}${stderr}` };
  } catch (error: any) {
    return { code: typeof error.code === 'number' ? error.code : -1, output: `${error.stdout ?? ''}${error.stderr ?? ''}${error.message}` };
  }
}

/** `npm run status`, exactly as a user runs it. */
export function status(): Ran {
  return run(process.execPath, [join(REPO_ROOT, 'node_modules/tsx/dist/cli.mjs'), join(REPO_ROOT, 'tools/ops/status.ts')], 120_000);
}

/** Polls `npm run status` until `accept` says yes; returns that run. */
export async function statusUntil(what: string, timeoutMs: number, accept: (r: Ran) => boolean): Promise<Ran> {
  let last: Ran | undefined;
  try {
    return await waitFor(`npm run status: ${what}`, timeoutMs, () => {
      last = status();
      return accept(last) ? last : undefined;
    }, 5_000);
  } catch (error) {
    throw new Error(`${(error as Error).message}; last output (exit ${last?.code}):\n${last?.output ?? ''}`);
  }
}

/** The first line of each failing check, for messages. */
export function failing(r: Ran): string[] {
  return r.output.split('\n').filter((l) => l.startsWith('FAIL'));
}

/** One SQL statement by psql in the PostgreSQL pod as the superuser (the password stays in the pod); rows as `a|b` lines. */
export async function psql(cluster: Cluster, database: string, query: string): Promise<string> {
  const command = `PGPASSWORD="$POSTGRES_PASSWORD" psql -U postgres -d ${database} -v ON_ERROR_STOP=1 -At -F '|' -c "${query}"`;
  return (await exec(cluster, PLATFORM_NAMESPACE, 'postgres-0', 'postgres', ['sh', '-c', command])).out.trim();
}
