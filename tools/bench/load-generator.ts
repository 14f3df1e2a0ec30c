import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { selfCpuSeconds } from './cpu-time';

/** One load run: rate, latency and the load generator's own CPU seconds. */
export interface LoadResult {
  rps: number;
  requests: number;
  p50ms: number;
  p99ms: number;
  failures: number;
  /** CPU seconds the load generator spent (wrk: a reaped child; autocannon: this process). */
  cpuSeconds: number;
}

export interface LoadGenerator {
  name: 'wrk' | 'autocannon';
  run(url: string, body: string, connections: number, seconds: number): Promise<LoadResult>;
}

export const WRK_HINT = 'wrk is not installed: Debian/Ubuntu `apt-get install -y wrk`, macOS `brew install wrk`';

function hasWrk(): boolean {
  // wrk -v prints its version and exits 1; only a missing binary is an error here.
  return spawnSync('wrk', ['-v'], { stdio: 'ignore' }).error === undefined;
}

/** "1.23ms" / "850.00us" / "1.02s" in milliseconds. */
export function wrkDuration(text: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(text.trim());
  if (!m) return NaN;
  return Number(m[1]) * { us: 1e-3, ms: 1, s: 1e3, m: 60e3 }[m[2] as 'us' | 'ms' | 's' | 'm'];
}

/** The figures of `wrk --latency` output. */
export function parseWrk(output: string): Omit<LoadResult, 'cpuSeconds'> {
  const num = (re: RegExp) => Number(re.exec(output)?.[1] ?? 0);
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  return {
    rps: num(/Requests\/sec:\s+([\d.]+)/),
    requests: num(/(\d+) requests in/),
    p50ms: wrkDuration(/^\s+50%\s+(\S+)/m.exec(output)?.[1] ?? ''),
    p99ms: wrkDuration(/^\s+99%\s+(\S+)/m.exec(output)?.[1] ?? ''),
    failures: num(/Non-2xx or 3xx responses: (\d+)/) + (socketErrors ? socketErrors.slice(1).reduce((a, b) => a + Number(b), 0) : 0),
  };
}

/** wrk (C, one thread: costs a small fraction of the service's CPU per request). */
function wrk(dir: string): LoadGenerator {
  return {
    name: 'wrk',
    async run(url, body, connections, seconds) {
      const script = join(dir, 'post.lua');
      writeFileSync(script, `wrk.method = "POST"\nwrk.body = ${JSON.stringify(body)}\nwrk.headers["Content-Type"] = "application/json"\n`);
      const reaped0 = selfCpuSeconds().children;
      const output = execFileSync('wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', '-s', script, url], { encoding: 'utf8' });
      return { ...parseWrk(output), cpuSeconds: selfCpuSeconds().children - reaped0 };
    },
  };
}

/** autocannon, in this process (its CPU is this process's). */
const autocannonGenerator: LoadGenerator = {
  name: 'autocannon',
  async run(url, body, connections, duration) {
    const own0 = selfCpuSeconds().own;
    const result = await autocannon({ url, method: 'POST', connections, duration, headers: { 'content-type': 'application/json' }, body });
    return {
      rps: result.requests.average,
      requests: result.requests.total,
      p50ms: result.latency.p50,
      p99ms: result.latency.p99,
      failures: result.non2xx + result.errors,
      cpuSeconds: selfCpuSeconds().own - own0,
    };
  },
};

/** wrk when installed (BENCH_LOADGEN=autocannon forces autocannon), else autocannon with a note saying how to get wrk. */
export function loadGenerator(dir: string): LoadGenerator {
  const wanted = process.env.BENCH_LOADGEN;
  if (wanted !== 'autocannon' && hasWrk()) return wrk(dir);
  if (wanted !== 'autocannon') console.log(`NOTE: ${WRK_HINT}. Falling back to autocannon, which runs in this Node process and costs several times wrk's CPU per request: on a 2-core machine it takes CPU from the service.\n`);
  return autocannonGenerator;
}
