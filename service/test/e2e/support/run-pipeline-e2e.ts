import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { connect, mergePatchCustom, restartsOf, scale, type Cluster } from '../../../../tools/ops/kube';
import { consumeTopic, DEFAULT_NAMES, STRIMZI, waitForPipeline, type Check } from '../../../../tools/ops/pipeline';
import { getFromEveryPod, portForwardToService } from '../../../../tools/ops/port-forwards';
import { pollUntil } from '../../../../tools/stack/processes';
import { helm, NAMESPACE, PLATFORM_NAMESPACE, psql, RELEASE, status, statusUntil } from './cluster-tools';
import { emit, runStepScript } from './step-script';

/**
 * The cluster end-to-end run, as a child process of the jest suite (run with tsx): jest
 * here is CommonJS, @kubernetes/client-node 2.x is ESM-only. Every step prints one line
 * `E2E <json>` that the suite asserts on; the first failure ends the run.
 */

/** Every request through a port-forward has a deadline: a forward whose stream went silent must fail the step, not hang it. */
const get = (url: string, init: RequestInit = {}) => fetch(url, { ...init, signal: AbortSignal.timeout(30_000) });
/** The status of a GET, its body read to the end (an unread body keeps the connection busy). */
const statusOf = async (url: string) => {
  const response = await get(url);
  await response.arrayBuffer();
  return response.status;
};
const log = (checks: Check[]) => console.error(checks.map((c) => `${c.ok ? 'ok  ' : 'wait'} ${c.name}: ${c.detail}`).join('\n') + '\n');

async function brokerRestarts(cluster: Cluster): Promise<number> {
  const pods = await cluster.core.listNamespacedPod({ namespace: PLATFORM_NAMESPACE, labelSelector: 'strimzi.io/broker-role=true' });
  return pods.items.reduce((n, p) => n + restartsOf(p), 0);
}

/** catalog_events_processed_total by type, summed over the consumer pods (each counts the partitions it was given). */
async function processedByType(cluster: Cluster): Promise<Record<string, number>> {
  const totals: Record<string, number> = {};
  for (const { body } of await getFromEveryPod(cluster, DEFAULT_NAMES.namespace, DEFAULT_NAMES.consumer, 8001, 'metrics')) {
    for (const [, type, value] of body.matchAll(/^catalog_events_processed_total\{type="(\w+)"\} (\S+)$/gm)) {
      totals[type] = (totals[type] ?? 0) + Number(value);
    }
  }
  return totals;
}

/** The read model of one book, by psql in the PostgreSQL pod as the superuser (the password stays in the pod). */
async function readModel(cluster: Cluster, bookId: number): Promise<{ inbox: Array<{ eventId: string; type: string }>; catalogRows: number }> {
  const sql = (query: string) => psql(cluster, 'catalog', query);
  const inbox = (await sql(`SELECT event_id, event_type FROM inbox WHERE book_id = ${bookId} ORDER BY source_offset`))
    .split('\n')
    .filter(Boolean)
    .map((line) => ({ eventId: line.split('|')[0], type: line.split('|')[1] }));
  return { inbox, catalogRows: Number(await sql(`SELECT count(*) FROM catalog_books WHERE id = ${bookId}`)) };
}

async function throughTheService(cluster: Cluster): Promise<void> {
  const forward = await portForwardToService(cluster);
  try {
    // Every consumer pod's own /readyz: 200 from each, or the first refusal.
    emit('consumer-readyz', await getFromEveryPod(cluster, DEFAULT_NAMES.namespace, DEFAULT_NAMES.consumer, 8001, 'readyz').then(
      (pods) => ({ status: 200, pods: pods.length }),
      (error: Error) => ({ status: 0, error: error.message }),
    ));
    const processedBefore = await processedByType(cluster);
    emit('readyz', { status: await statusOf(`${forward.url}/readyz`) });

    const page = await get(`${forward.url}/docs`);
    const html = await page.text();
    const assets = [];
    for (const path of [...html.matchAll(/(?:src|href)="(\/[^"]+)"/g)].map((m) => m[1])) {
      assets.push({ path, status: await statusOf(forward.url + path) });
    }
    const openapi = await get(`${forward.url}/openapi.json`);
    emit('docs', { status: page.status, assets, openapiStatus: openapi.status, openapi: ((await openapi.json()) as { openapi?: string }).openapi });

    const book = { title: `e2e ${new Date().toISOString()}`, author: 'cluster e2e', price: 100.5 };
    const created = await get(`${forward.url}/books`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(book),
    });
    const body = (await created.json()) as Record<string, unknown>;
    emit('add', { status: created.status, location: created.headers.get('location'), book: body, sent: book });
    if (created.status !== 201) return;

    const deleted = await get(`${forward.url}/books/${body.id}`, { method: 'DELETE' });
    emit('delete', { status: deleted.status });

    const before = await brokerRestarts(cluster);
    let records: Awaited<ReturnType<typeof consumeTopic>> = [];
    await pollUntil(Number(process.env.E2E_EVENT_TIMEOUT_MS || 180_000), async () => {
      records = (await consumeTopic(cluster, 20_000)).filter((r) => r.key === String(body.id));
      return records.length >= 2;
    });
    emit('events', { records });
    emit('broker', { restartsBefore: before, restartsAfter: await brokerRestarts(cluster) });

    // The consumer applied both: its counters grew, and its inbox holds the two event ids.
    let processedAfter = processedBefore;
    let model = await readModel(cluster, Number(body.id));
    await pollUntil(Number(process.env.E2E_EVENT_TIMEOUT_MS || 180_000), async () => {
      processedAfter = await processedByType(cluster);
      model = await readModel(cluster, Number(body.id));
      const grew = (type: string) => (processedAfter[type] ?? 0) > (processedBefore[type] ?? 0);
      return model.inbox.length >= 2 && grew('BookAdded') && grew('BookDeleted');
    }, { intervalMs: 2000 });
    emit('consumer', { processedBefore, processedAfter, ...model });
  } finally {
    await forward.close();
  }
}

/** The ServiceMonitor the chart renders for this release's values (with monitoring on) selects the live Service. */
async function serviceMonitorSelection(cluster: Cluster): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'e2e-values-'));
  try {
    const values = helm('get', 'values', RELEASE, '-n', NAMESPACE, '-o', 'yaml');
    if (values.code !== 0) throw new Error(`helm get values: ${values.output}`);
    writeFileSync(join(dir, 'values.yaml'), values.output);
    const rendered = helm('template', RELEASE, 'helm/book-service', '-n', NAMESPACE, '-f', join(dir, 'values.yaml'),
      '--set', 'serviceMonitor.enabled=true', '--show-only', 'templates/servicemonitor.yaml');
    if (rendered.code !== 0) throw new Error(`helm template: ${rendered.output}`);
    const monitor = parseAllDocuments(rendered.output).map((d) => d.toJS()).find((o) => o?.kind === 'ServiceMonitor');
    const service = await cluster.core.readNamespacedService({ name: RELEASE, namespace: NAMESPACE });
    emit('servicemonitor', { selector: monitor?.spec?.selector?.matchLabels ?? null, serviceLabels: service.metadata?.labels ?? {} });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const cluster = await connect();

  const checks = await waitForPipeline(cluster, Number(process.env.E2E_READY_TIMEOUT_MS || 10 * 60_000), log);
  emit('pipeline', { checks });
  if (!checks.every((c) => c.ok)) return;

  const release = JSON.parse(helm('status', RELEASE, '-n', NAMESPACE, '-o', 'json').output);
  emit('release', {
    status: release.info?.status,
    hooks: (release.hooks ?? []).map((h: any) => ({ name: h.name, kind: h.kind, events: h.events, phase: h.last_run?.phase })),
  });

  await throughTheService(cluster);
  await serviceMonitorSelection(cluster);

  // Without --logs: Helm 3 fails to fetch the logs of a test pod that passed and was deleted (docs/kubernetes.md).
  const test = helm('test', RELEASE, '-n', NAMESPACE, '--timeout', '5m');
  emit('helm-test', { code: test.code, output: test.output.slice(-2000) });

  emit('status-ready', status());

  const connector = { ...STRIMZI, plural: 'kafkaconnectors', namespace: PLATFORM_NAMESPACE, name: DEFAULT_NAMES.connector };
  await mergePatchCustom(cluster, connector, { spec: { state: 'paused' } });
  try {
    emit('status-paused', await statusUntil('connector paused', 180_000, (r) => r.code !== 0 && /PAUSED/.test(r.output)));
  } finally {
    await mergePatchCustom(cluster, connector, { spec: { state: null } });
  }
  emit('status-resumed', await statusUntil('connector running again', 300_000, (r) => r.code === 0));

  await scale(cluster, 'StatefulSet', PLATFORM_NAMESPACE, 'postgres', 0);
  try {
    // Both Deployments must report it with no pod ready: the consumer's probe can notice before
    // the service's does, and of several pods one can still count as ready for a probe period.
    const bothDown = (output: string) =>
      [/FAIL\s+Deployment book-service\s+0\/\d+ pods ready.*database unavailable/, /FAIL\s+Deployment book-service-consumer\s+0\/\d+ pods ready.*database unavailable/].every((line) => line.test(output));
    emit('status-postgres-down', await statusUntil('PostgreSQL down', 180_000, (r) => r.code !== 0 && bothDown(r.output)));
  } finally {
    await scale(cluster, 'StatefulSet', PLATFORM_NAMESPACE, 'postgres', 1);
  }
  emit('status-postgres-back', await statusUntil('PostgreSQL back', 600_000, (r) => r.code === 0));
}

runStepScript(main);
