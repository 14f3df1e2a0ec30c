import { getFromPod, isReady, podsOf, portForward, type Cluster } from './kube';
import { DEFAULT_NAMES, type Names } from './pipeline';

/** The ready pods behind a Service, by name. */
async function readyPodsOfService(cluster: Cluster, namespace: string, name: string): Promise<string[]> {
  const service = await cluster.core.readNamespacedService({ name, namespace });
  const selector = Object.entries(service.spec?.selector ?? {}).map(([k, v]) => `${k}=${v}`).join(',');
  return (await podsOf(cluster, namespace, selector)).filter(isReady).map((p) => p.metadata!.name!);
}

/** A ready pod behind a Service (port-forward goes to a pod, as kubectl's does). */
async function podOfService(cluster: Cluster, namespace: string, name: string): Promise<string> {
  const [ready] = await readyPodsOfService(cluster, namespace, name);
  if (!ready) throw new Error(`no ready pod behind Service ${name}`);
  return ready;
}

/**
 * GET `path` from `port` of every ready pod behind a Service, through the API server's pod
 * proxy: what each replica says for itself (its own counters), where a forward reaches one.
 */
export async function getFromEveryPod(cluster: Cluster, namespace: string, service: string, port: number, path: string): Promise<Array<{ pod: string; body: string }>> {
  const pods = await readyPodsOfService(cluster, namespace, service);
  if (pods.length === 0) throw new Error(`no ready pod behind Service ${service}`);
  return Promise.all(pods.map(async (pod) => {
    const answer = await getFromPod(cluster, namespace, pod, port, path);
    if (answer.status !== 200) throw new Error(`GET ${path} of pod ${pod}: ${answer.status || 'no answer'} ${answer.body.slice(0, 200)}`);
    return { pod, body: answer.body };
  }));
}

/** A port-forward to port 8000 of whichever service pod is ready when a connection opens. */
export async function portForwardToService(cluster: Cluster, names: Names = DEFAULT_NAMES): Promise<{ url: string; close: () => Promise<void> }> {
  await podOfService(cluster, names.namespace, names.service);
  return portForward(cluster, names.namespace, () => podOfService(cluster, names.namespace, names.service), 8000);
}
