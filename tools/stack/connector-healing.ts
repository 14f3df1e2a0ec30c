import { readOutboxHealth, withClient } from './database';
import { ConnectorClient, ConnectorStatus, failureReason, inState } from './outbox-connector';
import { waitFor } from './processes';

/** What healing needs of a stack: the connector, and the database whose slot it reads. */
export interface HealTarget {
  connector: ConnectorClient;
  database: { adminUrl: string; slot: string };
}

const RESTART_SPACING_MS = 5000;

async function slotActive(target: HealTarget): Promise<boolean> {
  const health = await withClient(target.database.adminUrl, (db) => readOutboxHealth(db, target.database.slot)).catch(() => undefined);
  return health?.slot_active === 1;
}

/** Restarts the connector and its tasks when one of them is FAILED, at most once per RESTART_SPACING_MS; the status it read. */
async function restartIfFailed(target: HealTarget, log: (line: string) => void, last: { restartAt: number; restarts: number }): Promise<ConnectorStatus | undefined> {
  const status = await target.connector.status().catch(() => undefined); // the worker may be (re)starting
  const reason = failureReason(status);
  if (reason && Date.now() - last.restartAt > RESTART_SPACING_MS) {
    log(`connector ${reason}; restarting it`);
    await target.connector.restart().catch((e: unknown) => log(`restart failed: ${String(e)}`));
    last.restarts++;
    last.restartAt = Date.now();
  }
  return status;
}

/**
 * Until the connector and its task are RUNNING and Debezium is attached to the slot. The REST
 * status alone is not enough after a worker restart: it reads RUNNING from the status topic
 * before the new task has loaded its offsets, and a broker lost in that window leaves the task
 * to fail later. A FAILED connector or task is restarted (what `spec.autoRestart` does in the
 * cluster); returns how many times.
 */
export async function healConnector(target: HealTarget, log: (line: string) => void, timeoutMs = 300_000): Promise<number> {
  const last = { restartAt: 0, restarts: 0 };
  let status: ConnectorStatus | undefined;
  await waitFor('the connector to stream again', timeoutMs, async () => {
    status = await restartIfFailed(target, log, last);
    return inState(status, 'RUNNING') && (await slotActive(target));
  }, { intervalMs: 500, detail: () => `last status ${JSON.stringify(status)}` });
  return last.restarts;
}

/**
 * Strimzi's autoRestart for the local stack, while the caller waits for something else: every
 * `intervalMs`, a FAILED connector or task is restarted. stop() ends it and says how many times.
 */
export function autoRestart(target: HealTarget, log: (line: string) => void, intervalMs = 2000): { stop(): Promise<number> } {
  const last = { restartAt: 0, restarts: 0 };
  let running: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    running = running.then(() => restartIfFailed(target, log, last));
  }, intervalMs);
  return {
    async stop() {
      clearInterval(timer);
      await running;
      return last.restarts;
    },
  };
}
