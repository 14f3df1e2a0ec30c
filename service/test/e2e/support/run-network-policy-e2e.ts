import type * as K8s from '@kubernetes/client-node';
import { connect, type Cluster } from '../../../../tools/ops/kube';
import { DEFAULT_NAMES } from '../../../../tools/ops/pipeline';
import { getFromEveryPod } from '../../../../tools/ops/port-forwards';
import { waitFor } from '../../../../tools/stack/processes';
import { NAMESPACE, PLATFORM_NAMESPACE } from './cluster-tools';
import { emit, runStepScript } from './step-script';

/**
 * The NetworkPolicies as the cluster enforces them, seen from short-lived probe pods in the
 * release's namespace (a child of network-policy-on-cluster.test.ts, run with tsx). Each probe
 * runs the service image's node, opens a TCP connection to every target's ClusterIP and prints,
 * per target, `open`, `refused` or `timeout` (a dropped SYN). One probe carries no label any
 * policy allows; the others carry the labels of an allowed client, so the same targets are
 * shown to answer and a blocked answer cannot come from a wrong address.
 */
type Target = { name: string; host: string; port: number };

const PROBE = `
const net = require('node:net');
const targets = JSON.parse(process.argv[1]);
Promise.all(targets.map((t) => new Promise((resolve) => {
  const socket = net.connect({ host: t.host, port: t.port });
  const done = (result) => { socket.destroy(); resolve([t.name, result]); };
  socket.setTimeout(5000, () => done('timeout'));
  socket.on('connect', () => done('open'));
  socket.on('error', (e) => done(e.code === 'ECONNREFUSED' ? 'refused' : e.code || 'error'));
}))).then((results) => console.log(JSON.stringify(Object.fromEntries(results))));
`;

async function serviceTarget(cluster: Cluster, namespace: string, name: string, port: string): Promise<Target> {
  const service = await cluster.core.readNamespacedService({ namespace, name });
  const found = service.spec?.ports?.find((p) => p.name === port);
  if (!service.spec?.clusterIP || !found) throw new Error(`Service ${namespace}/${name} has no ClusterIP or no port ${port}`);
  return { name: `${name}:${found.port}`, host: service.spec.clusterIP, port: found.port };
}

/** Runs one probe pod to its end and returns what it printed; the pod is deleted either way. */
async function probe(cluster: Cluster, template: K8s.V1PodSpec, name: string, labels: Record<string, string>, targets: Target[]) {
  const container = template.containers[0];
  await cluster.core.createNamespacedPod({
    namespace: NAMESPACE,
    body: {
      metadata: { name, labels: { ...labels, 'app.kubernetes.io/part-of': 'book-service-e2e' } },
      spec: {
        restartPolicy: 'Never',
        automountServiceAccountToken: false,
        // The service's own security contexts: they pass the namespace's Pod Security level.
        securityContext: template.securityContext,
        containers: [{
          name: 'probe',
          image: container.image,
          imagePullPolicy: 'IfNotPresent',
          command: ['node', '-e', PROBE, JSON.stringify(targets)],
          securityContext: container.securityContext,
          resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '128Mi' } },
        }],
      },
    },
  });
  try {
    const pod = await waitFor(`probe pod ${name} to finish`, 180_000, async () => {
      const p = await cluster.core.readNamespacedPod({ namespace: NAMESPACE, name });
      return ['Succeeded', 'Failed'].includes(p.status?.phase ?? '') ? p : undefined;
    }, { intervalMs: 1000 });
    const log = String(await cluster.core.readNamespacedPodLog({ namespace: NAMESPACE, name }));
    if (pod.status?.phase !== 'Succeeded') throw new Error(`probe pod ${name} ${pod.status?.phase}: ${log.slice(-500)}`);
    const results = JSON.parse(log.trim().split('\n').pop()!) as Record<string, string>;
    process.stderr.write(`[network-policy] ${name} (${Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(', ')}): ${JSON.stringify(results)}\n`);
    return results;
  } finally {
    await cluster.core.deleteNamespacedPod({ namespace: NAMESPACE, name, gracePeriodSeconds: 0 }).catch(() => undefined);
  }
}

async function main(): Promise<void> {
  const cluster = await connect();
  const policies = async (namespace: string) =>
    (await cluster.networking.listNamespacedNetworkPolicy({ namespace })).items.map((p) => `${namespace}/${p.metadata!.name}`);
  emit('policies', { names: [...new Set([...(await policies(NAMESPACE)), ...(await policies(PLATFORM_NAMESPACE))])] });

  const deployment = await cluster.apps.readNamespacedDeployment({ namespace: NAMESPACE, name: DEFAULT_NAMES.service });
  const template = deployment.spec!.template.spec!;
  const postgres = await serviceTarget(cluster, PLATFORM_NAMESPACE, 'postgres', 'postgres');
  const service = await serviceTarget(cluster, NAMESPACE, DEFAULT_NAMES.service, 'http');
  const consumer = await serviceTarget(cluster, NAMESPACE, DEFAULT_NAMES.consumer, 'http');
  const suffix = Date.now().toString(36);

  emit('outsider', {
    targets: [postgres.name, service.name, consumer.name],
    results: await probe(cluster, template, `np-outsider-${suffix}`, { 'app.kubernetes.io/name': 'network-policy-probe' }, [postgres, service, consumer]),
  });
  // PostgreSQL admits pods named book-service (k8s/postgres-networkpolicy.yaml); without the
  // instance label the probe is picked by none of the release's Services or policies.
  emit('database-client', {
    target: postgres.name,
    results: await probe(cluster, template, `np-database-client-${suffix}`, { 'app.kubernetes.io/name': 'book-service', 'app.kubernetes.io/component': 'network-policy-probe' }, [postgres]),
  });
  // The service's policy admits the release's `helm test` pod besides networkPolicy.allowedFrom.
  emit('helm-test-client', {
    target: service.name,
    results: await probe(cluster, template, `np-helm-test-client-${suffix}`, { 'app.kubernetes.io/instance': deployment.metadata!.labels!['app.kubernetes.io/instance'], 'app.kubernetes.io/component': 'helm-test' }, [service]),
  });
  // The consumer admits only networkPolicy.allowedFrom (a monitoring namespace): that its port
  // answers is shown through the API server's pod proxy instead.
  emit('consumer-metrics', {
    target: consumer.name,
    pods: (await getFromEveryPod(cluster, NAMESPACE, DEFAULT_NAMES.consumer, consumer.port, 'metrics')).length,
  });
}

runStepScript(main);
