import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type * as K8s from '@kubernetes/client-node';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { prng, WriteLoad } from '../../../../tools/chaos/load';
import { failures, readDatabase, reconcile, scopeToRun, type TopicRecord } from '../../../../tools/chaos/reconcile';
import { formatReconciliation } from '../../../../tools/chaos/report';
import { connect, exec, getFromPod, isReady, mergePatchCustom, podsOf, portForward, previousLogTail, restartsOf, type Cluster } from '../../../../tools/ops/kube';
import { type Check, consumeTopic, DEFAULT_NAMES, STRIMZI, waitForPipeline } from '../../../../tools/ops/pipeline';
import { portForwardToService } from '../../../../tools/ops/port-forwards';
import { pollUntil, waitFor } from '../../../../tools/stack/processes';
import { helmInBackground, NAMESPACE, PLATFORM_NAMESPACE, RELEASE, REPO_ROOT } from './cluster-tools';
import { emit, runStepScript } from './step-script';

/**
 * Faults on the deployed cluster, under a steady mixed write load through a port-forward to
 * the Service (each connection to a pod that is Ready and not being deleted): the Connect pod
 * (of several, the one running the task), a broker pod, a service pod and a consumer pod are
 * deleted in turn, then a broker and the Connect worker at once, each time waiting for the
 * pipeline to be ready again; then a rolling upgrade of the release (`helm upgrade`: a new image
 * tag and a changed setting) and a Strimzi rolling update of the brokers (a changed broker
 * config); last the PostgreSQL pod, watching the service answer 503 and recover. Requests that
 * fail are counted per step. The ledgers (client, database, topic, read model), scoped to this
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
  const url = `http://localhost:8083/connectors/${DEFAULT_NAMES.connector}/status`;
  const { out } = await exec(cluster, PLATFORM_NAMESPACE, pod, `${DEFAULT_NAMES.connect}-connect`, ['curl', '-sf', url], { timeoutMs: 10_000 });
  return (JSON.parse(out) as { tasks?: Array<{ state: string; worker_id: string }> }).tasks ?? [];
}

/** Connect's worker ids are `<pod>.<headless service>…:8083`: the pod of a worker. */
const podOfWorker = (workerId: string) => workerId.split('.')[0];

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
    return tasks.length > 0 && tasks.every((t) => t.state === 'RUNNING' && podOfWorker(t.worker_id) !== deleted);
  }, { intervalMs: 250, detail: () => `last answer ${last}` });
  return Date.now() - deletedAt;
}

/** For waitForPipeline: logs the checks still failing whenever they change, so a slow recovery says what lagged. */
const lagging = (step: string) => (checks: Check[]) => {
  const failing = checks.filter((c) => !c.ok);
  if (failing.length) log(`${step}: waiting for ${failing.map((c) => `${c.name} (${c.detail})`).join('; ')}`);
};

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
  const checks = await waitForPipeline(cluster, 600_000, lagging(fault));
  if (!checks.every((c) => c.ok)) throw new Error(`after deleting the ${fault} pod the pipeline did not become ready: ${JSON.stringify(checks.filter((c) => !c.ok))}`);
  return Date.now() - t;
}

/** Restarts of the Connect containers, by pod uid. */
async function connectRestarts(cluster: Cluster): Promise<Map<string, number>> {
  const pods = await podsOf(cluster, POD_OF.connect.namespace, POD_OF.connect.selector);
  return new Map(pods.map((p) => [p.metadata!.uid!, restartsOf(p)]));
}

/**
 * Why Connect containers restarted since `since`: each one's last exit (exit code 143/137 after a
 * kill, 3 after the JVM's ExitOnOutOfMemoryError, 2 when the worker gave up) and the kubelet's
 * liveness events of the step; the last lines of each exited container go to the log.
 */
async function connectRestartCauses(cluster: Cluster, since: number): Promise<string[]> {
  const { namespace, selector } = POD_OF.connect;
  const pods = await podsOf(cluster, namespace, selector);
  const exited = pods.flatMap((p) => (p.status?.containerStatuses ?? [])
    .filter((c) => c.restartCount > 0 && (c.lastState?.terminated?.finishedAt?.valueOf() ?? 0) >= since - 1_000)
    .map((c) => ({ pod: p.metadata!.name!, container: c.name, exit: c.lastState!.terminated! })));
  for (const { pod, container } of exited) {
    const tail = await previousLogTail(cluster, namespace, pod, container, 20).catch((e: Error) => [`(no previous log: ${e.message})`]);
    log(`last lines of ${pod}/${container} before its restart:\n  ${tail.join('\n  ')}`);
  }
  const names = new Set(pods.map((p) => p.metadata!.name));
  const events = (await cluster.core.listNamespacedEvent({ namespace })).items
    .filter((e) => names.has(e.involvedObject.name ?? '') && /liveness/i.test(e.message ?? '') && (e.lastTimestamp ?? e.eventTime ?? new Date(0)).valueOf() >= since - 1_000)
    .map((e) => `${e.involvedObject.name}: ${e.reason} ${e.message} (${e.count ?? 1}×)`);
  return [...exited.map(({ pod, exit }) => `${pod}: exit ${exit.exitCode} (${exit.reason ?? '-'}) at ${exit.finishedAt?.toISOString()}`), ...events];
}

/** How the Connect workers came through a step. */
interface ConnectRecovery {
  connectReadyAfterMs: number;
  connectRestarts: number;
  connectRestartCauses?: string[];
}

/**
 * Watches the Connect workers through a step, asking the pods every second (Strimzi's
 * KafkaConnect status stays Ready while its pods are not, until its next reconciliation).
 * `done()` waits for every worker there was to be Ready, then returns how long after the step
 * began they were last seen not all Ready (0 if never) and how many times a Connect container
 * was restarted meanwhile (a replaced pod counts from 0): a broker loss must not make the
 * kubelet kill a worker.
 */
async function watchConnect(cluster: Cluster, since: number) {
  const workers = async () => podsOf(cluster, POD_OF.connect.namespace, POD_OF.connect.selector);
  const before = await connectRestarts(cluster);
  let lastUnready: number | undefined;
  let watching = true;
  const watched = (async () => {
    while (watching) {
      const ready = await workers().then((pods) => pods.filter(isReady).length, () => -1);
      if (ready >= 0 && ready < before.size) lastUnready = Date.now();
      await sleep(1_000);
    }
  })();
  return {
    async done(): Promise<ConnectRecovery> {
      await waitFor(`${before.size} Connect workers Ready`, 600_000, async () => (await workers()).filter(isReady).length >= before.size, 1_000);
      watching = false;
      await watched;
      const after = await connectRestarts(cluster);
      const restarts = [...after].reduce((n, [uid, count]) => n + count - (before.get(uid) ?? 0), 0);
      return {
        connectReadyAfterMs: lastUnready === undefined ? 0 : lastUnready + 1_000 - since,
        connectRestarts: restarts,
        ...(restarts > 0 && { connectRestartCauses: await connectRestartCauses(cluster, since).catch((e: Error) => [`unknown: ${e.message}`]) }),
      };
    },
  };
}

function connectSummary(c: ConnectRecovery): string {
  return `Connect after ${c.connectReadyAfterMs} ms, ${c.connectRestarts} restarts${c.connectRestartCauses ? `: ${c.connectRestartCauses.join('; ')}` : ''}`;
}

/** Until every pod of `fault` there was before (`before`, uids) is gone and as many new ones are Ready: a rolling update has finished. */
async function rolled(cluster: Cluster, fault: string, before: string[], timeoutMs: number): Promise<void> {
  const { namespace, selector } = POD_OF[fault];
  await waitFor(`every ${fault} pod replaced, ${before.length} Ready`, timeoutMs, async () => {
    const pods = await podsOf(cluster, namespace, selector);
    return pods.every((p) => !before.includes(p.metadata!.uid!)) && pods.filter(isReady).length >= before.length;
  }, 2_000);
}

const uidsOf = async (cluster: Cluster, fault: string) => (await podsOf(cluster, POD_OF[fault].namespace, POD_OF[fault].selector)).map((p) => p.metadata!.uid!);

/**
 * `helm upgrade` of the release while the load runs: a new image tag (E2E_UPGRADE_IMAGE, which the
 * CI stages load into the cluster; without it the tag stays and only the setting changes, which
 * rolls the pods all the same) and a changed setting, the service's drain time. Returns what changed.
 */
async function upgradeRelease(cluster: Cluster): Promise<{ image?: string; setting: string }> {
  const drain = (pod: K8s.V1Pod) => pod.spec!.containers[0].env?.find((e) => e.name === 'SHUTDOWN_DRAIN_SECONDS')?.value;
  const [current] = (await podsOf(cluster, NAMESPACE, POD_OF.service.selector)).filter(isReady);
  const setting = `config.shutdownDrainSeconds=${drain(current) === '6' ? 5 : 6}`;
  const image = process.env.E2E_UPGRADE_IMAGE || undefined;
  const args = ['upgrade', RELEASE, join(REPO_ROOT, 'helm/book-service'), '-n', NAMESPACE, '--reuse-values', '--set', setting, '--wait', '--timeout', '10m'];
  if (image) {
    const colon = image.lastIndexOf(':');
    args.push('--set', `image.repository=${image.slice(0, colon)}`, '--set', `image.tag=${image.slice(colon + 1)}`);
  } else log('upgrade: E2E_UPGRADE_IMAGE is not set, so the image tag stays; only a setting changes');
  const before = await uidsOf(cluster, 'service');
  const upgraded = await helmInBackground(...args);
  if (upgraded.code !== 0) throw new Error(`helm upgrade failed (exit ${upgraded.code}): ${upgraded.output.slice(-2000)}`);
  await rolled(cluster, 'service', before, 600_000);
  for (const pod of (await podsOf(cluster, NAMESPACE, POD_OF.service.selector)).filter(isReady)) {
    if (drain(pod) !== setting.split('=')[1] || (image && pod.spec!.containers[0].image !== image)) {
      throw new Error(`after helm upgrade, pod ${pod.metadata!.name} runs ${pod.spec!.containers[0].image} with SHUTDOWN_DRAIN_SECONDS=${drain(pod)}`);
    }
  }
  return { ...(image ? { image } : {}), setting };
}

/**
 * A Strimzi rolling update of the Kafka nodes: a broker setting Kafka cannot change at run time
 * (offsets.retention.minutes, read-only), so the operator restarts the nodes one at a time.
 */
async function rollBrokers(cluster: Cluster): Promise<{ setting: string }> {
  const kafka = { ...STRIMZI, plural: 'kafkas', namespace: PLATFORM_NAMESPACE, name: DEFAULT_NAMES.kafka };
  const { spec } = (await cluster.custom.getNamespacedCustomObject(kafka)) as { spec: { kafka: { config?: Record<string, unknown> } } };
  const minutes = spec.kafka.config?.['offsets.retention.minutes'] === 10081 ? 10080 : 10081;
  const before = await uidsOf(cluster, 'broker');
  await mergePatchCustom(cluster, kafka, { spec: { kafka: { config: { 'offsets.retention.minutes': minutes } } } });
  log(`broker-roll: offsets.retention.minutes=${minutes}; waiting for Strimzi to restart ${before.length} node(s)`);
  await rolled(cluster, 'broker', before, 1_200_000);
  return { setting: `offsets.retention.minutes=${minutes}` };
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
  const faults: Array<{ fault: string; pod?: string; of?: number; atSeconds: number; readyAfterMs: number; taskMovedAfterMs?: number; failedRequests: number; change?: object } & ConnectRecovery> = [];
  // Failed requests, counted per step; any that fail between steps (nothing broken) are counted too.
  let counted = 0;
  let failedBetweenSteps = 0;
  const failedSince = (step: string) => {
    const failed = load.failures().slice(counted);
    counted += failed.length;
    for (const line of failed.slice(0, 20)) log(`${step}: failed request: ${line}`);
    return failed.length;
  };
  const stepStarts = () => {
    failedBetweenSteps += failedSince('between steps');
  };
  const gap = () => sleep(5_000 + random() * 10_000);
  const deletePod = async (fault: string): Promise<{ pod: string; uid: string; at: number; of: number }> => {
    const { namespace, selector } = POD_OF[fault];
    const pods = await podsOf(cluster, namespace, selector);
    // Of several Connect workers, the one running the task: deleting an idle one proves nothing.
    const [task] = fault === 'connect' && pods.length > 1 ? await connectorTasks(cluster, pods[0].metadata!.name!) : [];
    const active = task && podOfWorker(task.worker_id);
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
    // One at a time, then the Connect worker running the task and a Kafka node together.
    for (const fault of ['connect', 'broker', 'service', 'consumer', 'connect+broker']) {
      await gap();
      const atSeconds = (Date.now() - started) / 1000;
      stepStarts();
      const connectWatch = await watchConnect(cluster, Date.now());
      const deleted = [];
      for (const one of fault.split('+')) deleted.push({ one, ...(await deletePod(one)) });
      const worker = deleted.find((d) => d.one === 'connect');
      const movedAfterMs = worker ? await taskMovedAfterMs(cluster, worker.pod, worker.at) : undefined;
      if (movedAfterMs !== undefined) log(`${fault}: the task RUNNING on another worker after ${movedAfterMs} ms`);
      for (const { one, uid, of } of deleted) await readyAgain(cluster, one, uid, of);
      const connect = await connectWatch.done();
      const readyAfterMs = Date.now() - deleted[0].at;
      const failedRequests = failedSince(fault);
      log(`${fault}: pipeline ready again after ${readyAfterMs} ms (${connectSummary(connect)}); ${failedRequests} failed requests`);
      faults.push({
        fault, pod: deleted.map((d) => d.pod).join('+'), of: Math.max(...deleted.map((d) => d.of)), atSeconds, readyAfterMs, failedRequests, ...connect,
        ...(movedAfterMs === undefined ? {} : { taskMovedAfterMs: movedAfterMs }),
      });
    }

    // Rolling changes, as operators make them: the release upgraded, the brokers rolled by Strimzi.
    for (const [step, change] of [['upgrade', upgradeRelease], ['broker-roll', rollBrokers]] as const) {
      await gap();
      const atSeconds = (Date.now() - started) / 1000;
      stepStarts();
      const t = Date.now();
      const connectWatch = await watchConnect(cluster, t);
      const changed = await change(cluster);
      const checks = await waitForPipeline(cluster, 600_000, lagging(step));
      if (!checks.every((c) => c.ok)) throw new Error(`after ${step} the pipeline did not become ready: ${JSON.stringify(checks.filter((c) => !c.ok))}`);
      const connect = await connectWatch.done();
      const readyAfterMs = Date.now() - t;
      const failedRequests = failedSince(step);
      log(`${step}: ${JSON.stringify(changed)}; pipeline ready after ${readyAfterMs} ms (${connectSummary(connect)}); ${failedRequests} failed requests`);
      faults.push({ fault: step, atSeconds, readyAfterMs, failedRequests, change: changed, ...connect });
    }

    await gap();
    const atSeconds = (Date.now() - started) / 1000;
    // The service pods' own /readyz, through the API server's pod proxy as the kubelet's probe asks
    // it, while PostgreSQL is away: 503 (database unavailable), then 200 again. Not through the
    // Service: a pod that answers 503 leaves its endpoints, and on kind PostgreSQL can be back within
    // seconds, so a forward to ready pods may only ever see connections refused and then 200.
    const servicePods = (await podsOf(cluster, NAMESPACE, POD_OF.service.selector)).filter(isReady).map((p) => p.metadata!.name!);
    if (servicePods.length === 0) throw new Error('no ready service pod before the PostgreSQL fault');
    const readyz = async (name: string) => (await getFromPod(cluster, NAMESPACE, name, 8000, 'readyz', 3_000)).status;
    stepStarts();
    const connectWatch = await watchConnect(cluster, Date.now());
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
    const connect = await connectWatch.done();
    faults.push({ fault: 'postgres', pod, atSeconds, readyAfterMs, failedRequests: failedSince('postgres'), ...connect });
    log(`postgres: /readyz ${JSON.stringify(statuses)}, pipeline ready again after ${readyAfterMs} ms`);
    await sleep(10_000);
  } finally {
    const ledger = await load.stop();
    await service.close();
    emit('load', { requests: ledger.requests, writes: ledger.writes.length, failed: load.failures().length });
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
      emit('reconciliation', { runId, seed, faults, failedBetweenSteps, outage, reconciliation, failures: failures(reconciliation) });

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
