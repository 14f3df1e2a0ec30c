import { readdirSync, readFileSync } from 'node:fs';

export const TICKS_PER_SECOND = 100; // USER_HZ on Linux

export interface ProcStat {
  pid: number;
  ppid: number;
  /** The command name (15 characters); for a thread, its name. */
  name: string;
  /** utime + stime, and cutime + cstime (reaped children), in ticks. */
  own: number;
  children: number;
}

/** /proc/<pid>/stat, or /proc/<pid>/task/<tid>/stat for a thread; undefined once it has exited. */
export function stat(pid: number | 'self', tid?: number): ProcStat | undefined {
  try {
    const text = readFileSync(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`, 'utf8');
    // The command name may contain spaces: fields start after the last ')'.
    const close = text.lastIndexOf(')');
    const f = text.slice(close + 2).split(' ');
    return {
      pid: pid === 'self' ? process.pid : tid ?? pid,
      ppid: Number(f[1]),
      name: text.slice(text.indexOf('(') + 1, close),
      own: Number(f[11]) + Number(f[12]),
      children: Number(f[13]) + Number(f[14]),
    };
  } catch {
    return undefined;
  }
}

export function allProcesses(): ProcStat[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map((d) => stat(Number(d)))
    .filter((s): s is ProcStat => s !== undefined);
}

/** Every process below `rootPid`, from one listing of `all`. */
export function descendants(all: ProcStat[], rootPid: number): ProcStat[] {
  const found: ProcStat[] = [];
  const queue = [rootPid];
  while (queue.length) {
    const parent = queue.pop()!;
    for (const p of all) {
      if (p.ppid === parent) {
        found.push(p);
        queue.push(p.pid);
      }
    }
  }
  return found;
}

/** The threads of a process. */
export function threads(pid: number): ProcStat[] {
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  return tids.map((t) => stat(pid, Number(t))).filter((s): s is ProcStat => s !== undefined);
}

/** A process's command line, arguments split; empty once it has exited. */
export function commandLine(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((a) => a !== '');
  } catch {
    return [];
  }
}

/** CPU seconds used so far by a process and all its descendants, live or reaped. */
export function treeCpuSeconds(rootPid: number): number {
  const all = allProcesses();
  const root = all.find((p) => p.pid === rootPid);
  if (!root) return 0;
  const ticks = [root, ...descendants(all, rootPid)].reduce((sum, p) => sum + p.own + p.children, 0);
  return ticks / TICKS_PER_SECOND;
}

/** CPU seconds of this process itself, and of its reaped children (e.g. a finished pgbench). */
export function selfCpuSeconds(): { own: number; children: number } {
  const s = stat('self')!;
  return { own: s.own / TICKS_PER_SECOND, children: s.children / TICKS_PER_SECOND };
}
