import { allProcesses, commandLine, descendants, stat, TICKS_PER_SECOND, threads } from './cpu-time';

/**
 * CPU time of every process the benchmark started, split by what it does: each JVM by
 * thread (Linux keeps the first 15 characters of a Java thread's name), PostgreSQL by
 * process title, and the benchmark's own process. `pidstat -t` by hand, from /proc.
 */

/**
 * Ticks so far per process or thread id, with the "component · part" it counts for. Keyed by
 * id rather than by part: Connect renames a pooled thread while it runs a task, so one
 * thread's past ticks would otherwise move from one part to another between two samples.
 */
export type CpuSample = Map<string, { part: string; ticks: number }>;

/** Thread name (15 characters) → part of a JVM. */
export function jvmThreadPart(component: string, thread: string): string {
  if (/^C[12] Compiler/.test(thread)) return 'JIT compiler';
  if (/^(GC Thread|G1 |VM Thread|VM Periodic)/.test(thread)) return 'GC and VM';
  if (component === 'Connect') {
    if (thread.startsWith('debezium-')) return 'Debezium (WAL stream, decoding, queue)';
    if (thread.startsWith('task-thread-')) return 'task thread (outbox router, converters, send)';
    if (thread.startsWith('kafka-producer-')) return 'producer network thread';
    return 'worker (herder, offsets, REST, other)';
  }
  return 'request handling, log, replication, other';
}

/** A PostgreSQL process title (`postgres: <role> <db> <host> <state>`) → part. */
export function postgresPart(args: string[]): string {
  const title = args.join(' ');
  if (/^postgres: walsender/.test(title)) return 'walsender (logical decoding for Debezium)';
  if (/^postgres: (walwriter|checkpointer|background writer|autovacuum|logical replication launcher)/.test(title)) return 'background (WAL writer, checkpointer, autovacuum)';
  if (/^postgres: \S+ \S+ /.test(title)) return 'backends (the service\'s statements)';
  return 'postmaster, ended backends, other';
}

export function componentOf(args: string[]): string | undefined {
  if (args.length === 0) return undefined;
  if (/(^|\/)postgres$/.test(args[0]) || args[0].startsWith('postgres:')) return 'PostgreSQL';
  if (/(^|\/)java$/.test(args[0])) {
    if (args.some((a) => a.includes('ConnectDistributed'))) return 'Connect';
    if (args.some((a) => /kafka\.Kafka$|KafkaRaftServer/.test(a))) return 'Kafka broker';
    return 'JVM (other)';
  }
  if (args.some((a) => /(^|\/)bin\/book-service\.(js|ts)$/.test(a))) return 'book service';
  if (args.some((a) => /(^|\/)bin\/book-catalog\.(js|ts)$/.test(a))) return 'consumer';
  return undefined;
}

/**
 * One reading of the CPU ticks of this process and everything below it, and of `others` (the
 * stack's containers, whose processes are not this process's children) and everything below them.
 */
export function sampleCpu(others: Array<number | undefined> = [], root = process.pid): CpuSample {
  const sample: CpuSample = new Map();
  const all = allProcesses();
  const self = all.find((p) => p.pid === root);
  if (self) sample.set(String(root), { part: 'benchmark · load generator and topic reader (this process)', ticks: self.own });
  const roots = others.filter((pid): pid is number => !!pid);
  const tops = all.filter((p) => roots.includes(p.pid));
  for (const p of [...descendants(all, root), ...tops, ...roots.flatMap((pid) => descendants(all, pid))]) {
    const args = commandLine(p.pid);
    const component = componentOf(args);
    if (!component) continue;
    if (component === 'PostgreSQL') {
      // A backend that ended is counted in the postmaster's reaped children.
      sample.set(String(p.pid), { part: `PostgreSQL · ${postgresPart(args)}`, ticks: p.own + p.children });
    } else if (component === 'Connect' || component === 'Kafka broker') {
      let live = 0;
      for (const t of threads(p.pid)) {
        live += t.own;
        sample.set(`${p.pid}/${t.pid}`, { part: `${component} · ${jvmThreadPart(component, t.name)}`, ticks: t.own });
      }
      // Threads that ended are only in the process's total, read again after its threads.
      sample.set(`${p.pid}/ended`, { part: `${component} · threads since ended`, ticks: (stat(p.pid)?.own ?? p.own) - live });
    } else {
      sample.set(String(p.pid), { part: `${component} · whole process`, ticks: p.own });
    }
  }
  return sample;
}

/**
 * The CPU used between two samples, per part and per component: seconds, cores busy
 * over `wallSeconds`, and microseconds per unit of work (an event, a write).
 */
export function formatCpuBreakdown(before: CpuSample, after: CpuSample, wallSeconds: number, units: number, unitName: string): string {
  const perPart = new Map<string, number>();
  for (const [id, { part, ticks }] of after) perPart.set(part, (perPart.get(part) ?? 0) + ticks - (before.get(id)?.ticks ?? 0));
  const parts = [...perPart].map(([key, ticks]) => ({ key, seconds: ticks / TICKS_PER_SECOND }));
  const byComponent = new Map<string, number>();
  for (const p of parts) {
    const component = p.key.split(' · ')[0];
    byComponent.set(component, (byComponent.get(component) ?? 0) + p.seconds);
  }
  const total = parts.reduce((s, p) => s + p.seconds, 0);
  const row = (label: string, seconds: number) =>
    `    ${label.padEnd(70)} ${seconds.toFixed(1).padStart(7)} s ${(seconds / wallSeconds).toFixed(2).padStart(6)} cores ${((seconds * 1e6) / units).toFixed(0).padStart(7)} µs/${unitName}`;
  const lines = [row(`all of it over ${wallSeconds.toFixed(1)} s (2 cores = 2.00)`, total)];
  for (const [component, seconds] of [...byComponent].sort((a, b) => b[1] - a[1])) {
    lines.push(row(component, seconds));
    for (const p of parts.filter((x) => x.key.startsWith(`${component} · `)).sort((a, b) => b.seconds - a.seconds)) {
      if (Math.abs(p.seconds) >= 0.05) lines.push(row(`  ${p.key.slice(component.length + 3)}`, p.seconds));
    }
  }
  return lines.join('\n');
}
