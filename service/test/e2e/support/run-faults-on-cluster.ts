import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { prng, WriteLoad } from '../../../../tools/chaos/load';
import { failures, readDatabase, reconcile, scopeToRun, type TopicRecord } from '../../../../tools/chaos/reconcile';
import { formatReconciliation } from '../../../../tools/chaos/report';
import { connect, exec, isReady, podsOf, portForward, type Cluster } from '../../../../tools/ops/kube';
import { consumeTopic, DEFAULT_NAMES, waitForPipeline } from '../../../../tools/ops/pipeline';
import { portForwardToService } from '../../../../tools/ops/port-forwards';
import { pollUntil, waitFor, withTimeout } from '../../../../tools/stack/processes';
import { NAMESPACE, PLATFORM_NAMESPACE } from './cluster-tools';
import { emit, runStepScript } from './step-script';

/**
 * Faults on the deployed cluster, under a steady mixed write load through a port-forward to
 * the Service: the Connect pod (of several, the one running the task), the broker pod, the
 * service pod and the consumer pod are deleted in turn, each time waiting for the pipeline to
 * be ready again; then the PostgreSQL pod, watching the
 * service answer 503 and recover. The three ledgers (client, database, topic), scoped to this
 * run, are reconciled as the local chaos run does. Prints `E2E <json>` lines (see steps.ts).
 */
const started = Date.now();
const log = (line: string) => process.stderr.write(`[faults ${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}\n`);

const POD_OF: Record<string, { namespace: string; selector: string }> = {
  connect: { namespace: PLATFORM_NAMESPACE, selector: `strimzi.io/cluster=${DEFAULT_NAMES.connect},strimzi.io/kind=KafkaConnect` },
  broker: { namespace: PLATFORM_NAMESPACE, selector: `strimzi.io/cluster=${DEFAULT_NAMES.kafka},strimzi.io/broker-role=true` },
  service: { namespace: NAMESPACE, selector: 'app.kubernetes.io/name=book-service,app.kubernetes.io/component=api' },
  consumer: { namespace: NAMESPACE, selector: 'app.kubernetes.io/name=book-service,app.kubernetes.io/component=consumer' },
  postgres: { namespace: PLATFORM_NAMESPACE, selector: 'app.kubernetes.io/name=postgres' },
};

async function adminUrl(cluster: Cluster, port: number, database = 'books'): Promise<string> {
  const secret = await cluster.core.readNamespacedSecret({ name: 'postgres-admin', namespace: PLATFORM_NAMESPACE });
  const field = (k: string) => Buffer.from(secret.data![k], 'base64').toString();
  return `postgres://${encodeURIComponent(field('username'))}:${encodeURIComponent(field('password'))}@127.0.0.1:${port}/${database}`;
}

/**
 * The fourth ledger: the consumer's read model (database catalog). Once its inbox holds every
 * event of the run, the run's books in catalog_books must be exactly those in the books table.
 */
async function readModelOfRun(url: string, eventIds: string[], addedBooks: number[], booksInDatabase: number[]) {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    let inInbox = 0;
    await pollUntil(300_000, async () => {
      const { rows } = await client.query('SELECT count(*)::int AS n FROM inbox WHERE event_id = ANY($1::uuid[])', [eventIds]);
      inInbox = rows[0].n;
      log(`read model: ${inInbox} of this run's ${eventIds.length} events in the consumer's inbox`);
      return inInbox === eventIds.length;
    }, { intervalMs: 5_000 });
    const { rows } = await client.query('SELECT id FROM catalog_books WHERE id = ANY($1::int[]) ORDER BY id', [addedBooks]);
    const inReadModel = rows.map((r) => Number(r.id));
    const expected = [...booksInDatabase].sort((a, b) => a - b);
    const differing = [...expected.filter((id) => !inReadModel.includes(id)), ...inReadModel.filter((id) => !expected.includes(id))];
    return { events: eventIds.length, inInbox, booksInDatabase: expected.length, booksInReadModel: inReadModel.length, differing };
  } finally {
    await client.end();
  }
}

/** The connector's tasks as Connect's REST API reports them, asked inside a Connect pod (Strimzi's NetworkPolicy admits only its operator on 8083). */
async function connectorTasks(cluster: Cluster, pod: string): Promise<Array<{ state: string; worker_id: string }>> {
  const container = (await cluster.core.readNamespacedPod({ name: pod, namespace: PLATFORM_NAMESPACE })).spec!.containers[0].name;
  const url = `http://localhost:8083/connectors/${DEFAULT_NAMES.connector}/status`;
  const { out } = await exec(cluster, PLATFORM_NAMESPACE, pod, container, ['curl', '-sf', url], { timeoutMs: 10_000 });
  return (JSON.parse(out) as { tasks?: Array<{ state: string; worker_id: string }> }).tasks ?? [];
}

/** Connect's worker ids are `<pod>.<headless service>…:8083`: the pod running the task, if any. */
const workerPod = (tasks: Array<{ worker_id: string }>) => tasks[0]?.worker_id.split('.')[0];

/**
 * With more than one Connect worker: from the deletion of `deleted` until another worker
 * reports the task RUNNING (Connect's own REST API, not Strimzi's status, which lags by a
 * reconciliation); undefined with one worker, whose task waits for the replacement pod.
 */
async function taskMovedAfterMs(cluster: Cluster, deleted: string, deletedAt: number): Promise<number | undefined> {
  const survivors = (await podsOf(cluster, POD_OF.connect.namespace, POD_OF.connect.selector)).filter(isReady).map((p) => p.metadata!.name!).filter((n) => n !== deleted);
  if (survivors.length === 0) return undefined;
  let last = '';
  await waitFor(`the connector task to run on a worker other than ${deleted}`, 300_000, async () => {
    const tasks = await connectorTasks(cluster, survivors[0]).catch((e: unknown) => (last = String(e), []));
    if (tasks.length) last = JSON.stringify(tasks);
    return tasks.length > 0 && tasks.every((t) => t.state === 'RUNNING' && workerPod([t]) !== deleted);
  }, { intervalMs: 250, detail: () => `last answer ${last}` });
  return Date.now() - deletedAt;
}

/**
 * The deleted pod's replacement Ready (a new uid) and as many pods Ready as before (`of`),
 * then the whole pipeline (Strimzi's statuses lag behind pods): back to full strength, which
 * with replicas is later than serving again.
 */
async function readyAgain(cluster: Cluster, fault: string, oldUid: string, of = 1): Promise<number> {
  const t = Date.now();
  await waitFor(`a new ${fault} pod to be Ready, ${of} in all`, 600_000, async () => {
    const ready = (await podsOf(cluster, POD_OF[fault].namespace, POD_OF[fault].selector)).filter(isReady);
    return ready.length >= of && ready.some((p) => p.metadata?.uid !== oldUid);
  }, 1_000);
  const checks = await waitForPipeline(cluster, 600_000, () => undefined);
  if (!checks.every((c) => c.ok)) throw new Error(`after deleting the ${fault} pod the pipeline did not become ready: ${JSON.stringify(checks.filter((c) => !c.ok))}`);
  return Date.now() - t;
}

async function main(): Promise<void> {
  const cluster = await connect();
  const seed = Number(process.env.E2E_FAULT_SEED || Date.now() % 100_000);
  const runId = `cluster-${seed}-${randomBytes(3).toString('hex')}`;
  const ready = await waitForPipeline(cluster, 600_000, () => undefined);
  if (!ready.every((c) => c.ok)) throw new Error(`pipeline not ready before the fault run: ${JSON.stringify(ready.filter((c) => !c.ok))}`);

  const service = await portForwardToService(cluster);
  const load = new WriteLoad({
    serviceUrl: () => service.url,
    clients: 4,
    rate: Number(process.env.E2E_FAULT_RATE || 20),
    invalidShare: 0.1,
    deleteShare: 0.3,
    seed,
    runId,
    requestTimeoutMs: 15_000,
  }).start();
  log(`load started: run ${runId}, seed ${seed}`);
  const random = prng(seed);
  const faults: Array<{ fault: string; pod: string; of?: number; atSeconds: number; readyAfterMs: number; taskMovedAfterMs?: number }> = [];
  const gap = () => sleep(5_000 + random() * 10_000);
  const deletePod = async (fault: string): Promise<{ pod: string; uid: string; at: number; of: number }> => {
    const { namespace, selector } = POD_OF[fault];
    const pods = await podsOf(cluster, namespace, selector);
    // Of several Connect workers, the one running the task: deleting an idle one proves nothing.
    const active = fault === 'connect' && pods.length > 1 ? workerPod(await connectorTasks(cluster, pods[0].metadata!.name!)) : undefined;
    const target = pods.find((p) => p.metadata?.name === active) ?? pods[0];
    if (!target?.metadata?.name) throw new Error(`no ${fault} pod (${namespace}, ${selector})`);
    const pod = target.metadata.name;
    const uid = target.metadata.uid!;
    const at = Date.now();
    await cluster.core.deleteNamespacedPod({ namespace, name: pod });
    log(`${fault}: deleted pod ${pod}${active ? ' (the worker running the task)' : ''} (${load.summary()})`);
    return { pod, uid, at, of: pods.length };
  };
  let outage: { statuses: Record<string, number>; recoveredAfterMs: number } | undefined;
  try {
    for (const fault of ['connect', 'broker', 'service', 'consumer']) {
      await gap();
      const atSeconds = (Date.now() - started) / 1000;
      const { pod, uid, at, of } = await deletePod(fault);
      const movedAfterMs = fault === 'connect' ? await taskMovedAfterMs(cluster, pod, at) : undefined;
      if (movedAfterMs !== undefined) log(`${fault}: the task RUNNING on another worker after ${movedAfterMs} ms`);
      const readyAfterMs = await readyAgain(cluster, fault, uid, of);
      log(`${fault}: pipeline ready again after ${readyAfterMs} ms`);
      faults.push({ fault, pod, of, atSeconds, readyAfterMs, ...(movedAfterMs === undefined ? {} : { taskMovedAfterMs: movedAfterMs }) });
    }

    await gap();
    const atSeconds = (Date.now() - started) / 1000;
    // The service pods' own /readyz, through the API server's pod proxy as the kubelet's probe asks
    // it, while PostgreSQL is away: 503 (database unavailable), then 200 again. Not through the
    // Service: a pod that answers 503 leaves its endpoints, and on kind PostgreSQL can be back within
    // seconds, so a forward to ready pods may only ever see connections refused and then 200.
    const servicePods = (await podsOf(cluster, NAMESPACE, POD_OF.service.selector)).filter(isReady).map((p) => p.metadata!.name!);
    if (servicePods.length === 0) throw new Error('no ready service pod before the PostgreSQL fault');
    const readyz = (name: string) =>
      withTimeout('/readyz', cluster.core.connectGetNamespacedPodProxyWithPath({ name: `${name}:8000`, namespace: NAMESPACE, path: 'readyz' }), 3_000).then(
        () => 200,
        (error: { code?: number }) => (typeof error?.code === 'number' ? error.code : 0),
      );
    const { pod, uid } = await deletePod('postgres');
    const statuses: Record<string, number> = {};
    const t = Date.now();
    await waitFor('the service pods to answer 503 and then 200 again', 600_000, async () => {
      const answers = await Promise.all(servicePods.map(readyz));
      for (const status of answers) statuses[status] = (statuses[status] ?? 0) + 1;
      return statuses[503] && answers.every((status) => status === 200);
    }, { intervalMs: 100, detail: () => `/readyz answers so far ${JSON.stringify(statuses)}` });
    outage = { statuses, recoveredAfterMs: Date.now() - t };
    const readyAfterMs = await readyAgain(cluster, 'postgres', uid);
    faults.push({ fault: 'postgres', pod, atSeconds, readyAfterMs });
    log(`postgres: /readyz ${JSON.stringify(statuses)}, pipeline ready again after ${readyAfterMs} ms`);
    await sleep(10_000);
  } finally {
    const ledger = await load.stop();
    await service.close();
    emit('load', { requests: ledger.requests, writes: ledger.writes.length });
    log(`load stopped: ${load.summary()}`);

    const postgresPod = async () => (await podsOf(cluster, PLATFORM_NAMESPACE, POD_OF.postgres.selector))[0]?.metadata?.name ?? 'postgres-0';
    const pg = await portForward(cluster, PLATFORM_NAMESPACE, postgresPod, 5432);
    try {
      const database = await readDatabase(await adminUrl(cluster, pg.port));
      const expected = new Set(scopeToRun(database, [], runId).database.outbox.map((r) => r.id));
      let topic: TopicRecord[] = [];
      const read = await pollUntil(300_000, async () => {
        topic = (await consumeTopic(cluster, 20_000)).map((r) => ({ ...r, value: JSON.parse(r.value) as unknown }));
        const seen = new Set(topic.map((r) => r.headers.id));
        const missing = [...expected].filter((id) => !seen.has(id)).length;
        log(`topic read: ${topic.length} records, ${missing} of this run's ${expected.size} events not there yet`);
        return missing === 0;
      }, { intervalMs: 5_000 });
      if (!read.value) log(`topic read gave up: ${read.lastError instanceof Error ? read.lastError.message : String(read.lastError ?? 'events still missing')}`);
      const scoped = scopeToRun(database, topic, runId);
      const reconciliation = reconcile(ledger, scoped.database, scoped.topic);
      process.stderr.write(`${formatReconciliation(reconciliation)}\n`);
      emit('reconciliation', { runId, seed, faults, outage, reconciliation, failures: failures(reconciliation) });

      const added = scoped.database.outbox.filter((r) => r.type === 'BookAdded').map((r) => r.payload.id);
      const readModel = await readModelOfRun(await adminUrl(cluster, pg.port, 'catalog'), scoped.database.outbox.map((r) => r.id), added, scoped.database.books);
      log(`read model: ${JSON.stringify(readModel)}`);
      emit('read-model', readModel);
    } finally {
      await pg.close();
    }
  }
}

runStepScript(main);
