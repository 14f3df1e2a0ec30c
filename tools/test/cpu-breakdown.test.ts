import { spawn } from 'node:child_process';
import { componentOf, CpuSample, formatCpuBreakdown, jvmThreadPart, postgresPart, sampleCpu } from '../bench/cpu-breakdown';

/** The rows of formatCpuBreakdown as label → seconds. */
function seconds(text: string): Record<string, number> {
  return Object.fromEntries(text.split('\n').map((line) => {
    const m = /^\s{4}(.*?)\s+(-?[\d.]+) s /.exec(line)!;
    return [m[1].trim(), Number(m[2])];
  }));
}

describe('CPU breakdown of the benchmark stack', () => {
  it('names the processes of the stack by their command lines', () => {
    expect(componentOf(['/usr/lib/postgresql/15/bin/postgres', '-D', '/tmp/x'])).toBe('PostgreSQL');
    expect(componentOf(['postgres: walsender book_cdc 127.0.0.1(5432) START_REPLICATION'])).toBe('PostgreSQL');
    expect(componentOf(['java', '-Xmx512m', '-cp', 'x', 'org.apache.kafka.connect.cli.ConnectDistributed', 'w.properties'])).toBe('Connect');
    expect(componentOf(['java', '-cp', 'x', 'kafka.Kafka', 'server.properties'])).toBe('Kafka broker');
    expect(componentOf(['/usr/bin/node', '/repo/dist/bin/book-service.js'])).toBe('book service');
    expect(componentOf(['/usr/bin/node', '--import', 'tsx', '/repo/service/src/bin/book-catalog.ts'])).toBe('consumer');
    expect(componentOf(['/bin/sh', '-c', 'true'])).toBeUndefined();
    expect(componentOf([])).toBeUndefined();
  });

  it('splits PostgreSQL by process title and the JVMs by thread name (15 characters)', () => {
    expect(postgresPart(['postgres: walsender book_cdc 127.0.0.1(40000) START_REPLICATION'])).toMatch(/^walsender/);
    expect(postgresPart(['postgres: book_app books 127.0.0.1(40001) idle'])).toMatch(/^backends/);
    expect(postgresPart(['postgres: background writer '])).toMatch(/^background/);
    expect(postgresPart(['postgres: checkpointer '])).toMatch(/^background/);
    expect(postgresPart(['/usr/lib/postgresql/15/bin/postgres', '-D', '/tmp/x'])).toMatch(/^postmaster/);
    expect(jvmThreadPart('Connect', 'debezium-postgr')).toMatch(/^Debezium/);
    expect(jvmThreadPart('Connect', 'task-thread-boo')).toMatch(/^task thread/);
    expect(jvmThreadPart('Connect', 'kafka-producer-')).toMatch(/^producer/);
    expect(jvmThreadPart('Connect', 'C2 CompilerThre')).toBe('JIT compiler');
    expect(jvmThreadPart('Kafka broker', 'G1 Conc#0')).toBe('GC and VM');
    expect(jvmThreadPart('Kafka broker', 'data-plane-kafk')).toMatch(/^request handling/);
  });

  it('counts each thread from its own earlier reading, under the part it has at the end, so a renamed thread moves no past ticks', () => {
    const before: CpuSample = new Map([
      ['10/11', { part: 'Connect · worker (herder, offsets, REST, other)', ticks: 400 }],
      ['10/12', { part: 'Connect · Debezium (WAL stream, decoding, queue)', ticks: 100 }],
      ['10/ended', { part: 'Connect · threads since ended', ticks: 0 }],
    ]);
    const after: CpuSample = new Map([
      // thread 11 now runs the task: only its 50 new ticks count, under its new name
      ['10/11', { part: 'Connect · task thread (outbox router, converters, send)', ticks: 450 }],
      // thread 12 ended after 20 more ticks: they are in the process's total only
      ['10/ended', { part: 'Connect · threads since ended', ticks: 120 }],
      // thread 13 started meanwhile: all its ticks count
      ['10/13', { part: 'Connect · producer network thread', ticks: 30 }],
    ]);
    const rows = seconds(formatCpuBreakdown(before, after, 2, 100, 'event'));
    expect(rows['task thread (outbox router, converters, send)']).toBeCloseTo(0.5);
    expect(rows['threads since ended']).toBeCloseTo(1.2);
    expect(rows['producer network thread']).toBeCloseTo(0.3);
    expect(rows['worker (herder, offsets, REST, other)']).toBeUndefined();
    expect(rows.Connect).toBeCloseTo(2.0);
  });

  it('reads the CPU of this process and of the stack processes below it from /proc', async () => {
    const child = spawn(process.execPath, ['-e', 'const end = Date.now() + 400; while (Date.now() < end);', 'dist/bin/book-service.js']);
    const exited = new Promise((resolve) => child.once('exit', resolve));
    await new Promise((r) => setTimeout(r, 300));
    const sample = sampleCpu();
    await exited;
    const parts = [...sample.values()].map((v) => v.part);
    expect(parts).toContain('benchmark · load generator and topic reader (this process)');
    expect(sample.get(String(child.pid))).toEqual({ part: 'book service · whole process', ticks: expect.any(Number) });
    expect(sample.get(String(child.pid))!.ticks).toBeGreaterThan(0);
  });
});
