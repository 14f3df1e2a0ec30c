import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

interface ProcStat {
  pid: number;
  ppid: number;
  /** utime + stime, and cutime + cstime (reaped children), in ticks. */
  own: number;
  children: number;
}

function stat(pid: number | 'self'): ProcStat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may contain spaces: fields start after the last ')'.
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { pid: pid === 'self' ? process.pid : pid, ppid: Number(f[1]), own: Number(f[11]) + Number(f[12]), children: Number(f[13]) + Number(f[14]) };
  } catch {
    return undefined;
  }
}

function allProcesses(): ProcStat[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map((d) => stat(Number(d)))
    .filter((s): s is ProcStat => s !== undefined);
}

/** CPU seconds used so far by a process and all its descendants, live or reaped. */
export function treeCpuSeconds(rootPid: number): number {
  const all = allProcesses();
  const root = all.find((p) => p.pid === rootPid);
  if (!root) return 0;
  let ticks = root.own + root.children;
  const queue = [rootPid];
  while (queue.length) {
    const parent = queue.pop()!;
    for (const p of all) {
      if (p.ppid === parent) {
        ticks += p.own + p.children;
        queue.push(p.pid);
      }
    }
  }
  return ticks / TICKS_PER_SECOND;
}

/** CPU seconds of this process itself, and of its reaped children (e.g. a finished pgbench). */
export function selfCpuSeconds(): { own: number; children: number } {
  const s = stat('self')!;
  return { own: s.own / TICKS_PER_SECOND, children: s.children / TICKS_PER_SECOND };
}

/** Direct children of this process whose command line contains `needle`. */
export function childPid(needle: string): number | undefined {
  for (const p of allProcesses()) {
    if (p.ppid !== process.pid) continue;
    try {
      if (readFileSync(`/proc/${p.pid}/cmdline`, 'utf8').includes(needle)) return p.pid;
    } catch {
      // exited meanwhile
    }
  }
  return undefined;
}
