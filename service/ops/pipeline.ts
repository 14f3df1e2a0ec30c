import { createServer, type AddressInfo, type Server } from 'node:net';
import { Writable } from 'node:stream';
import type * as K8s from '@kubernetes/client-node';

/**
 * The CDC pipeline as Kubernetes sees it: Strimzi resources, the connector and its task,
 * the event topic and the service. Loads @kubernetes/client-node (ESM-only) on demand.
 */
export interface Names {
  namespace: string;
  kafka: string;
  connect: string;
  connector: string;
  topic: string;
  service: string;
}

export const DEFAULT_NAMES: Names = {
  namespace: process.env.BOOKS_NAMESPACE || 'books',
  kafka: 'book-kafka',
  connect: 'book-connect',
  connector: 'book-outbox-connector',
  topic: 'books.events',
  service: process.env.BOOK_SERVICE_NAME || 'book-service',
};

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

export interface Cluster {
  k8s: typeof K8s;
  kc: K8s.KubeConfig;
  custom: K8s.CustomObjectsApi;
  core: K8s.CoreV1Api;
  apps: K8s.AppsV1Api;
}

export async function connect(): Promise<Cluster> {
  const k8s = await import('@kubernetes/client-node');
  const kc = new k8s.KubeConfig();
  kc.loadFromDefault();
  return {
    k8s,
    kc,
    custom: kc.makeApiClient(k8s.CustomObjectsApi),
    core: kc.makeApiClient(k8s.CoreV1Api),
    apps: kc.makeApiClient(k8s.AppsV1Api),
  };
}

const STRIMZI = { group: 'kafka.strimzi.io', version: 'v1' };

async function strimzi(cluster: Cluster, namespace: string, plural: string, name: string): Promise<any | undefined> {
  try {
    return await cluster.custom.getNamespacedCustomObject({ ...STRIMZI, namespace, plural, name });
  } catch (error: any) {
    if (error?.code === 404) return undefined;
    throw error;
  }
}

function readiness(kind: string, name: string, resource: any): Check {
  const label = `${kind} ${name}`;
  if (!resource) return { name: label, ok: false, detail: 'not found' };
  const conditions: any[] = resource.status?.conditions ?? [];
  const ready = conditions.find((c) => c.type === 'Ready');
  const trouble = conditions.find((c) => c.type === 'NotReady' || (c.type === 'Warning' && c.status === 'True'));
  if (ready?.status === 'True') {
    const stale = resource.status?.observedGeneration !== undefined && resource.status.observedGeneration < resource.metadata.generation;
    return { name: label, ok: !stale, detail: stale ? 'Ready, but the latest change is not reconciled yet' : 'Ready' };
  }
  const why = ready?.message || trouble?.message || ready?.reason || trouble?.reason || 'no Ready condition yet';
  return { name: label, ok: false, detail: `not ready: ${why}` };
}

/** One check per part of the pipeline, in the order data flows through them. */
export async function pipelineChecks(cluster: Cluster, names: Names = DEFAULT_NAMES): Promise<Check[]> {
  const ns = names.namespace;
  const [kafka, connect, connector, topic] = await Promise.all([
    strimzi(cluster, ns, 'kafkas', names.kafka),
    strimzi(cluster, ns, 'kafkaconnects', names.connect),
    strimzi(cluster, ns, 'kafkaconnectors', names.connector),
    strimzi(cluster, ns, 'kafkatopics', names.topic),
  ]);
  const checks: Check[] = [
    readiness('Kafka', names.kafka, kafka),
    readiness('KafkaTopic', names.topic, topic),
    readiness('KafkaConnect', names.connect, connect),
    readiness('KafkaConnector', names.connector, connector),
  ];
  const status = connector?.status?.connectorStatus;
  const connectorState: string = status?.connector?.state ?? 'unknown';
  checks.push({
    name: `connector ${names.connector}`,
    ok: connectorState === 'RUNNING',
    detail: connectorState + (status?.connector?.trace ? `: ${String(status.connector.trace).split('\n')[0]}` : ''),
  });
  const tasks: any[] = status?.tasks ?? [];
  checks.push({
    name: `connector tasks`,
    ok: tasks.length > 0 && tasks.every((t) => t.state === 'RUNNING'),
    detail: tasks.length ? tasks.map((t) => `task ${t.id} ${t.state}${t.trace ? `: ${String(t.trace).split('\n')[0]}` : ''}`).join('; ') : 'no task yet',
  });
  checks.push(await serviceReadiness(cluster, names));
  return checks;
}

async function serviceReadiness(cluster: Cluster, names: Names): Promise<Check> {
  const label = `Deployment ${names.service}`;
  try {
    const deployment = await cluster.apps.readNamespacedDeployment({ name: names.service, namespace: names.namespace });
    const wanted = deployment.spec?.replicas ?? 1;
    const ready = deployment.status?.readyReplicas ?? 0;
    const updated = deployment.status?.updatedReplicas ?? 0;
    const ok = ready >= wanted && updated >= wanted && wanted > 0;
    const detail = `${ready}/${wanted} pods ready (/readyz)`;
    return { name: label, ok, detail: ok ? detail : `${detail}${await unreadyReasons(cluster, names, deployment)}` };
  } catch (error: any) {
    if (error?.code === 404) return { name: label, ok: false, detail: 'not found' };
    throw error;
  }
}

/** What the pods' own /readyz says (through the API server's pod proxy), e.g. `database unavailable`. */
async function unreadyReasons(cluster: Cluster, names: Names, deployment: K8s.V1Deployment): Promise<string> {
  const selector = Object.entries(deployment.spec?.selector?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`).join(',');
  const pods = await cluster.core.listNamespacedPod({ namespace: names.namespace, labelSelector: selector });
  const reasons: string[] = [];
  for (const pod of pods.items.filter((p) => p.status?.phase === 'Running').slice(0, 3)) {
    const name = pod.metadata!.name!;
    try {
      await cluster.core.connectGetNamespacedPodProxyWithPath({ name: `${name}:8000`, namespace: names.namespace, path: 'readyz' });
    } catch (error: any) {
      const body = String(error?.body ?? error?.message ?? error);
      const status = /"status"\s*:\s*"([^"]+)"/.exec(body)?.[1] ?? body.split('\n')[0].slice(0, 120);
      reasons.push(`${name}: /readyz ${error?.code ?? 'failed'} ${status}`);
    }
  }
  if (pods.items.length === 0) reasons.push('no pods');
  return reasons.length ? `; ${reasons.join('; ')}` : '';
}

/** Polls until every check passes or the deadline is reached; returns the last checks. */
export async function waitForPipeline(cluster: Cluster, timeoutMs: number, log: (checks: Check[]) => void, names: Names = DEFAULT_NAMES) {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    const checks = await pipelineChecks(cluster, names);
    const summary = JSON.stringify(checks);
    if (summary !== last) log(checks);
    last = summary;
    if (checks.every((c) => c.ok) || Date.now() > deadline) return checks;
    await new Promise((r) => setTimeout(r, 5000));
  }
}

/** A ready pod behind the Service (port-forward goes to a pod, as kubectl's does). */
async function podOfService(cluster: Cluster, names: Names): Promise<string> {
  const service = await cluster.core.readNamespacedService({ name: names.service, namespace: names.namespace });
  const selector = Object.entries(service.spec?.selector ?? {}).map(([k, v]) => `${k}=${v}`).join(',');
  const pods = await cluster.core.listNamespacedPod({ namespace: names.namespace, labelSelector: selector });
  const ready = pods.items.find((p) => !p.metadata?.deletionTimestamp && p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
  if (!ready?.metadata?.name) throw new Error(`no ready pod behind Service ${names.service}`);
  return ready.metadata.name;
}

/**
 * `kubectl port-forward` on a free local port; each connection goes to the pod `pod()` names
 * at that moment, so a forward to a Service outlives the pod it started with.
 */
export async function portForward(cluster: Cluster, namespace: string, pod: () => Promise<string>, port: number): Promise<{ url: string; port: number; close: () => Promise<void> }> {
  const forward = new cluster.k8s.PortForward(cluster.kc);
  const server: Server = createServer((socket) => {
    // A pod that goes away resets its streams: that ends this connection, not the process.
    socket.on('error', () => socket.destroy());
    pod()
      .then((name) => forward.portForward(namespace, name, [port], socket, null, socket))
      .catch(() => socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const local = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${local}`,
    port: local,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A port-forward to port 8000 of whichever service pod is ready when a connection opens. */
export async function portForwardToService(cluster: Cluster, names: Names = DEFAULT_NAMES): Promise<{ url: string; close: () => Promise<void> }> {
  await podOfService(cluster, names);
  return portForward(cluster, names.namespace, () => podOfService(cluster, names), 8000);
}

export interface ConsumedRecord {
  key: string;
  partition: number;
  offset: number;
  headers: Record<string, string>;
  value: string;
}

/**
 * Reads books.events from the beginning with kafka-console-consumer inside the broker pod
 * (the listener is cluster-internal), printing partition, offset, key, headers and value of
 * every record. The consumer's JVM gets a small heap of its own: inheriting the broker's
 * options would start a second broker-sized JVM inside the broker's memory limit.
 */
export async function consumeTopic(cluster: Cluster, timeoutMs: number, names: Names = DEFAULT_NAMES): Promise<ConsumedRecord[]> {
  const pods = await cluster.core.listNamespacedPod({
    namespace: names.namespace,
    labelSelector: `strimzi.io/cluster=${names.kafka},strimzi.io/broker-role=true`,
  });
  const broker = pods.items.find((p) => p.status?.phase === 'Running')?.metadata?.name;
  if (!broker) throw new Error(`no running broker pod of Kafka ${names.kafka}`);
  const formatter = {
    'print.partition': 'true',
    'print.offset': 'true',
    'print.key': 'true',
    'print.headers': 'true',
    'key.separator': '\t',
    'headers.separator': ',',
    'headers.key.separator': ':',
  };
  const command = [
    'env', 'KAFKA_HEAP_OPTS=-Xms32m -Xmx128m', 'KAFKA_JVM_PERFORMANCE_OPTS=-XX:+UseSerialGC -XX:TieredStopAtLevel=1',
    '/opt/kafka/bin/kafka-console-consumer.sh',
    '--bootstrap-server', 'localhost:9092',
    '--topic', names.topic,
    '--from-beginning',
    '--timeout-ms', String(timeoutMs),
    ...Object.entries(formatter).flatMap(([k, v]) => ['--formatter-property', `${k}=${v}`]),
  ];
  let out = '';
  let err = '';
  const sink = (append: (s: string) => void) =>
    new Writable({ write(chunk, _enc, done) { append(chunk.toString()); done(); } });
  await new Promise<void>((resolve, reject) => {
    new cluster.k8s.Exec(cluster.kc)
      .exec(names.namespace, broker, 'kafka', command, sink((s) => (out += s)), sink((s) => (err += s)), null, false, (status) => {
        if (status.status === 'Success' || /TimeoutException|Processed a total/.test(err)) resolve();
        else reject(new Error(`kafka-console-consumer failed: ${status.message ?? ''} ${err.slice(-500)}`));
      })
      .catch(reject);
  });
  return parseConsoleRecords(out);
}

/** `Partition:0<TAB>Offset:5<TAB>id:…,type:BookAdded<TAB>3<TAB>{…}`, the console consumer's lines with the properties above. */
export function parseConsoleRecords(out: string): ConsumedRecord[] {
  return out
    .split('\n')
    .filter((line) => line.startsWith('Partition:'))
    .map((line) => {
      const [partition, offset, headerText, key, ...value] = line.split('\t');
      const headers = Object.fromEntries(
        headerText === 'NO_HEADERS' ? [] : headerText.split(',').map((h) => [h.slice(0, h.indexOf(':')), h.slice(h.indexOf(':') + 1)]),
      );
      return { partition: Number(partition.slice('Partition:'.length)), offset: Number(offset.slice('Offset:'.length)), key, headers, value: value.join('\t') };
    });
}
