import cluster, { Worker } from 'node:cluster';
import { Logger } from '../shared/logger';

/**
 * WEB_CONCURRENCY > 1 on a machine (or VM) with more than one core: this process forks that
 * many copies of the service, which share the listening port (node:cluster hands
 * connections round-robin). In containers, scale replicas instead and leave it at 1.
 *
 * SIGTERM is passed on to every worker, each drains as a single process would, and the
 * primary exits when all have. A worker that exits on its own takes the others down and the
 * primary exits 1, so the supervisor restarts the whole service rather than a part of it.
 */
export function runWorkers(count: number, logger: Logger): void {
  let stopping = false;
  let failed = false;
  const workers: Worker[] = Array.from({ length: count }, () => cluster.fork());
  const stopAll = (signal: NodeJS.Signals) => {
    stopping = true;
    for (const w of workers) if (!w.isDead()) w.process.kill(signal);
  };
  cluster.on('exit', (worker, code, signal) => {
    if (!stopping) {
      logger.error({ pid: worker.process.pid, code, signal }, 'a worker exited: stopping the others');
      failed = true;
      stopAll('SIGTERM');
    } else if (code !== 0) failed = true;
    if (workers.every((w) => w.isDead())) process.exit(failed ? 1 : 0);
  });
  process.on('SIGTERM', () => stopAll('SIGTERM'));
  // Ctrl-C in a terminal reaches every process of the group, the workers included.
  process.on('SIGINT', () => {
    stopping = true;
  });
  logger.info({ workers: count }, `forked ${count} workers`);
}

/** Housekeeping (outbox janitor, idempotency-key expiry) runs in one process only: the single process, or worker 1. */
export function runsHousekeeping(): boolean {
  return !cluster.isWorker || cluster.worker?.id === 1;
}
