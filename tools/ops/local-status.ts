import { existsSync, readFileSync } from 'node:fs';
import { ConnectorStatus, failureReason, inState } from '../stack/outbox-connector';
import { STACK_INFO_FILE } from '../stack/stack-info';
import { kafkaConnectorResource } from '../stack/strimzi-resources';
import type { Check } from './pipeline';

/** What `npm run stack` leaves in .stack/stack.json (no passwords). */
export interface LocalStackInfo {
  connect: string;
  service?: string;
  bootstrap?: string;
  topic?: string;
  /** The Connect worker's log: Debezium retries some failures (a wrong password) without ever going FAILED. */
  connectLog?: string;
}

export function localStackInfo(file = STACK_INFO_FILE): LocalStackInfo | undefined {
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as LocalStackInfo) : undefined;
}

async function get(url: string): Promise<Response | undefined> {
  try {
    return await fetch(url, { signal: AbortSignal.timeout(5000) });
  } catch {
    return undefined;
  }
}

/** Prometheus text → the value of an unlabelled sample. */
export function sample(metrics: string, name: string): number | undefined {
  const line = metrics.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

/**
 * The local stack's pipeline at a glance: Connect worker, connector and task (a FAILED one
 * with the first line of its trace and its root cause), service readiness, and the
 * replication slot as the service's /metrics sees it.
 */
export async function localStackChecks(info: LocalStackInfo, connector = kafkaConnectorResource().metadata.name): Promise<Check[]> {
  const checks: Check[] = [];
  let retryingCause: string | undefined;
  const workers = await get(`${info.connect}/`);
  checks.push({ name: 'Connect worker', ok: !!workers?.ok, detail: workers?.ok ? `${info.connect} answers` : `${info.connect} does not answer` });
  if (workers?.ok) {
    const response = await get(`${info.connect}/connectors/${encodeURIComponent(connector)}/status`);
    if (response?.status === 404) {
      checks.push({ name: `connector ${connector}`, ok: false, detail: 'not registered' });
    } else if (!response?.ok) {
      checks.push({ name: `connector ${connector}`, ok: false, detail: `status unavailable (${response?.status ?? 'no answer'})` });
    } else {
      const status = (await response.json()) as ConnectorStatus;
      const reason = failureReason(status);
      const tasks = status.tasks.map((t) => `task ${t.id} ${t.state}`).join(', ') || 'no task';
      const running = inState(status, 'RUNNING');
      checks.push({ name: `connector ${connector}`, ok: running, detail: `${status.connector.state}, ${tasks}${reason ? ` — ${reason}` : ''}` });
      if (!reason && info.connectLog) retryingCause = lastRetriableError(info.connectLog);
    }
  }
  if (info.service) {
    const ready = await get(`${info.service}/readyz`);
    checks.push({ name: 'book service', ok: !!ready?.ok, detail: ready ? `/readyz ${ready.status}` : `${info.service} does not answer` });
    const metrics = ready ? await (await get(`${info.service}/metrics`))?.text() : undefined;
    if (metrics) {
      const active = sample(metrics, 'cdc_slot_active');
      const retained = sample(metrics, 'cdc_slot_retained_wal_bytes');
      const walStatus = /^cdc_slot_wal_status\{status="(\w+)"\} 1$/m.exec(metrics)?.[1];
      const lost = walStatus === 'lost' || walStatus === 'unreserved';
      checks.push({
        name: 'replication slot',
        ok: active === 1 && !lost,
        detail: !walStatus ? 'MISSING (no cdc_slot_wal_status on /metrics): Debezium would start a new slot after a gap, see docs/slot-health.md'
          : `${active === 1 ? 'active' : 'INACTIVE (no Debezium attached)'}, wal_status ${walStatus}` +
            (lost ? ' — invalidated by max_slot_wal_keep_size: events are missing, see docs/slot-health.md' : `, retaining ${((retained ?? 0) / 1024 / 1024).toFixed(1)} MiB of WAL`),
      });
    }
  }
  // A connector that says RUNNING while nobody reads the slot: the log knows why.
  const slot = checks.find((c) => c.name === 'replication slot');
  if (retryingCause && (!slot || /INACTIVE/.test(slot.detail))) checks.push({ name: 'connector retrying', ok: false, detail: retryingCause });
  return checks;
}

/**
 * The cause of the latest retriable error in the last lines of the Connect log (the caller
 * asks only while the slot is inactive, so an old error does not count).
 * Debezium 3.6 retries start-up failures such as a wrong password every 10 s and the
 * REST status stays RUNNING: only the log says why nothing streams.
 */
export function lastRetriableError(logFile: string, lines = 400): string | undefined {
  let tail: string[];
  try {
    tail = readFileSync(logFile, 'utf8').split('\n').slice(-lines);
  } catch {
    return undefined;
  }
  const lastRetry = tail.findLastIndex((l) => /after a retriable (exception|error)/.test(l));
  if (lastRetry < 0) return undefined;
  const cause = tail.slice(0, lastRetry + 1).reverse().find((l) => l.startsWith('Caused by:'));
  return `Debezium keeps retrying: ${(cause ?? tail[lastRetry]).replace(/^Caused by:\s*/, '').trim()}`;
}
